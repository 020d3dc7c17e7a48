# Way 2: a tiny image holding only the agent jar, for the init container that copies it into an emptyDir.
#   docker build -f samples/kubernetes/image/agent.Dockerfile -t registry.example.com/mesh-probe-agent:0.1.0 \
#       mesh-probe-agent/target
FROM busybox:1.37
ARG AGENT_VERSION=0.1.0-SNAPSHOT
COPY mesh-probe-agent-${AGENT_VERSION}.jar /mesh-probe/mesh-probe-agent.jar
CMD ["cp", "/mesh-probe/mesh-probe-agent.jar", "/mesh-probe-target/mesh-probe-agent.jar"]
