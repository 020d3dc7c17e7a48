package io.meshprobe.internal;

/**
 * Every configuration key the library reads, with its default and meaning. The README's configuration
 * table is checked against this list by a test, so the two cannot drift apart.
 */
public enum MeshProbeKey {
  ENABLED("meshprobe.enabled", "true", "Master switch. false makes every operation a no-op that reports NO_PROXY / SKIPPED."),
  MESH("meshprobe.mesh", "auto", "Which mesh to expect: auto, istio, linkerd, envoy, ambient or none. Anything but auto skips detection."),
  DETECT_WINDOW(
      "meshprobe.detect.window",
      "5s",
      "How long \"nothing listens yet\" may last before the verdict becomes \"no mesh\". Applies inside Kubernetes (KUBERNETES_SERVICE_HOST set) when no pod annotations can be read, or anywhere once set explicitly; otherwise the verdict is immediate."),
  PODINFO_DIR("meshprobe.podinfo.dir", "/etc/podinfo", "Directory of Downward API files `annotations` and `labels`; they make the verdict certain and immediate."),
  WAIT_TIMEOUT("meshprobe.wait.timeout", "60s", "Longest wait for the proxy to be ready (the detection window counts towards it)."),
  WAIT_ON_TIMEOUT("meshprobe.wait.on-timeout", "continue", "continue (fail open: log and go on) or fail (throw ProxyNotReadyException)."),
  WAIT_INTERVAL("meshprobe.wait.interval", "8ms", "Poll period while the proxy answers \"not ready\". While it refuses connections the period is halved."),
  QUIT_TIMEOUT("meshprobe.quit.timeout", "2s", "Upper bound for the whole quit, every URL included."),
  QUIT_EXTRA_URLS("meshprobe.quit.extra-urls", "", "Comma-separated URLs also POSTed on quit, for other sidecars (a Vault agent, cloud-sql-proxy's /quitquitquit)."),
  ISTIO_STATUS_URL("meshprobe.istio.status-url", "http://127.0.0.1:15020", "pilot-agent's status server: readiness fallback and the quit endpoint."),
  ISTIO_READINESS_URL("meshprobe.istio.readiness-url", "http://127.0.0.1:15021", "Envoy's readiness listener, the kubelet's probe target since Istio 1.6."),
  ISTIO_ADMIN_URL("meshprobe.istio.admin-url", "http://127.0.0.1:15000", "Istio's Envoy admin API: bootstrap, config dump, certificates, quit fallback."),
  ENVOY_ADMIN_URL(
      "meshprobe.envoy.admin-url",
      "",
      "Admin API of a generic Envoy mesh. Empty: try Consul (19000), Kuma/App Mesh (9901) and OSM (15000)."),
  LINKERD_ADMIN_URL("meshprobe.linkerd.admin-url", "http://127.0.0.1:4191", "linkerd-proxy's admin server."),
  HTTP_TIMEOUT("meshprobe.http.timeout", "1s", "Deadline of one call to the proxy, connect and body included."),
  HTTP_MAX_BODY("meshprobe.http.max-body", "64MiB", "Largest response body read from the proxy; a larger one is cut off and reported as an error."),
  ADMIN_ALLOW_REMOTE("meshprobe.admin.allow-remote", "false", "Allow admin and quit URLs that are not loopback. Off by default: the proxy's admin API is pod-local."),
  STATUS_REFRESH(
      "meshprobe.status.refresh",
      "30s",
      "How often the cached mesh status (mTLS, identity, ports, findings) is refreshed in the background once asked for. 0 refreshes only on demand."),
  PROXY_MEMORY_BUDGET(
      "meshprobe.proxy.memory-budget",
      "128MiB",
      "Proxy memory (Envoy + pilot-agent, or linkerd2-proxy) above which the status reports the proxy-memory-over-budget finding. 0 turns the check off."),
  QUIT_PREFLIGHT(
      "meshprobe.quit.preflight",
      "true",
      "Once the proxy is ready, check (without quitting) that the quit path works: Istio's status port answers, Linkerd's /env.json shows the shutdown endpoint enabled. If not, log one WARN line. Set false for apps that never quit the proxy."),
  PORTS(
      "meshprobe.ports",
      "",
      "The app's inbound ports for the status port table, comma-separated. Empty: the ports the JVM listens on (from the agent), else the proxy's non-proxy inbound ports."),
  QUIT(
      "meshprobe.quit",
      "auto",
      "Agent and Spring starter: when to ask the proxy to quit as the JVM ends. auto: when the app ends on its own, not on SIGTERM/SIGINT/SIGHUP, never in a long-running service, only in the JVM that owns the quit (see meshprobe.quit.owner). always, never."),
  QUIT_ON_FAILURE("meshprobe.quit.on-failure", "true", "Agent and Spring starter: false sends no quit when the app failed (Jobs with restartPolicy: OnFailure, whose restarted app needs the proxy)."),
  QUIT_OWNER(
      "meshprobe.quit.owner",
      "auto",
      "Whether this JVM may quit the pod's proxy with meshprobe.quit=auto. auto: in Kubernetes only the container's main process tree (PID 1 or what it started), never a JVM entered later by kubectl exec or an exec probe; outside Kubernetes every JVM. true or false decide it for this JVM."),
  WORKLOAD(
      "meshprobe.workload",
      "auto",
      "What the pod runs, for meshprobe.quit=auto: job (quit when the work is over), service (never quit: a long-running service is restarted, not completed) or auto (from the pod labels in meshprobe.podinfo.dir: job-name means a Job; pod-template-hash or controller-revision-hash a Deployment, StatefulSet or DaemonSet)."),
  QUIT_HOOKS_TIMEOUT("meshprobe.quit.hooks-timeout", "10s", "Agent: how long the quit waits for the app's other shutdown hooks."),
  WAIT_MODE(
      "meshprobe.wait.mode",
      "block",
      "Agent: block (premain returns once the proxy is ready, there is none, or the wait times out), gate (premain returns at once; outbound connects wait) or off. The Spring starter also knows parallel."),
  AGENT_METRICS("meshprobe.agent.metrics", "true", "Agent: meters in every Micrometer registry the app creates."),
  AGENT_JMX("meshprobe.agent.jmx", "true", "Agent: the MXBean io.meshprobe:type=MeshProbe.");

  private final String key;
  private final String defaultValue;
  private final String description;

  MeshProbeKey(String key, String defaultValue, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  public String key() {
    return key;
  }

  public String envName() {
    return Settings.envName(key);
  }

  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }
}
