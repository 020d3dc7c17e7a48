package io.meshprobe.envoytests;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A real Envoy beside a real xDS control plane, shaped like one of two meshes:
 *
 * <ul>
 *   <li>{@link #istio()}: an Istio sidecar. Bootstrap node {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local}
 *       with Istio's node metadata, the admin API, the static readiness listener routing {@code /healthz/ready} to the
 *       {@link PilotAgentStandIn} (Istio's 15021 → 15020), ADS for clusters, listeners and secrets;
 *       {@code virtualOutbound} and {@code virtualInbound} with Istio's per-port filter chains;
 *   <li>{@link #envoyMesh()}: a generic Envoy mesh (Consul's or Kuma's shape): the admin API and ADS, no pilot-agent.
 * </ul>
 *
 * Every port is free and ephemeral (Istio's fixed 15000/15001/15006/15020/15021 are moved, and the mesh-probe URL
 * settings point at them). {@link #start()} starts the control plane (unless {@link Builder#controlPlaneLate()}), the
 * stand-in and Envoy, but sends no configuration: Envoy stays {@code PRE_INITIALIZING} until {@link #pushConfig()}.
 */
public final class RealSidecar implements AutoCloseable {
  public static final String NAMESPACE = "jobs";
  public static final String POD = "nightly-report-7x9k2";
  public static final String SERVICE_ACCOUNT = "nightly-report";
  public static final String POD_IP = "10.244.0.17";
  public static final String SPIFFE_ID = "spiffe://cluster.local/ns/" + NAMESPACE + "/sa/" + SERVICE_ACCOUNT;
  /** The Istio version the bootstrap metadata claims (chosen by the harness; the proxy is Envoy 1.40). */
  public static final String ISTIO_VERSION = "1.28.0";
  /** The default app ports: HTTP STRICT, HTTP PERMISSIVE and raw TCP (PERMISSIVE). */
  public static final List<AppPort> DEFAULT_PORTS =
      Arrays.asList(AppPort.http(9080, AppPort.Mode.STRICT), AppPort.http(9081, AppPort.Mode.PERMISSIVE), AppPort.tcp(9090, AppPort.Mode.PERMISSIVE));

  private final Builder b;
  private final boolean istio;
  private final int adminPort = Ports.free();
  private final int readinessPort = Ports.free();
  private final int statusPort = Ports.free();
  private final int inboundPort = Ports.free();
  private final int outboundPort = Ports.free();
  private final TestCa ca = new TestCa();
  private final TestCa.Issued cert;
  private final ControlPlane controlPlane = new ControlPlane();
  private final Admin admin = new Admin("http://127.0.0.1:" + adminPort);
  private final PilotAgentStandIn standIn;
  private final EnvoyProcess envoy;
  private int version;

  private RealSidecar(Builder b) {
    this.b = b;
    this.istio = b.istio;
    Instant now = Instant.now();
    this.cert = ca.issue(SPIFFE_ID, now.minus(b.certIssuedAgo), now.plus(b.certLifetime));
    this.standIn = istio ? new PilotAgentStandIn(statusPort, admin) : null;
    this.envoy = new EnvoyProcess(EnvoyBinary.require(), b.dir, istio ? istioBootstrap() : meshBootstrap(), b.drainTimeSeconds);
  }

  public static Builder istio() {
    return new Builder(true);
  }

  public static Builder envoyMesh() {
    return new Builder(false);
  }

  private RealSidecar start() {
    if (!b.controlPlaneLate) {
      controlPlane.start();
    }
    if (standIn != null) {
      standIn.start();
    }
    envoy.start();
    return this;
  }

  /** Sends the configuration (a new snapshot version): Envoy goes LIVE once it has applied it. */
  public RealSidecar pushConfig() {
    controlPlane.push(snapshot(false));
    return this;
  }

  /** Sends a configuration that adds an outbound listener Envoy must reject (two chains with the same match). */
  public RealSidecar pushRejectedListener() {
    controlPlane.push(snapshot(true));
    return this;
  }

  private io.envoyproxy.controlplane.cache.v3.Snapshot snapshot(boolean rejected) {
    String v = Integer.toString(++version);
    return istio
        ? SidecarConfig.istio(v, inboundPort, outboundPort, b.ports, ca, cert, rejected)
        : SidecarConfig.envoyMesh(v, inboundPort, 9080, ca, cert);
  }

  /** Polls Envoy's own {@code /ready} every millisecond until it says LIVE; the epoch millis of that answer. */
  public long awaitLive(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if ("LIVE".equals(admin.state())) {
        return System.currentTimeMillis();
      }
      Thread.sleep(1);
    }
    throw new AssertionError("envoy not LIVE after " + timeout + " (state " + admin.state() + ")\n" + envoy.log());
  }

  /** A mesh-probe builder pointed at this sidecar's ports, the mesh named (no detection). */
  public MeshProbe.Builder meshProbe() {
    return urls(MeshProbe.builder()).mesh(istio ? MeshType.ISTIO_SIDECAR : MeshType.ENVOY);
  }

  /** Points a builder's URL settings at this sidecar's ports (and nowhere else). */
  public MeshProbe.Builder urls(MeshProbe.Builder builder) {
    String nothing = "http://127.0.0.1:" + Ports.free();
    if (istio) {
      return builder.istioAdminUrl(adminUrl()).istioStatusUrl(statusUrl()).istioReadinessUrl(readinessUrl()).envoyAdminUrl(nothing).linkerdAdminUrl(nothing);
    }
    return builder.envoyAdminUrl(adminUrl()).istioAdminUrl(nothing).istioStatusUrl(nothing).istioReadinessUrl(nothing).linkerdAdminUrl(nothing);
  }

  /** The same settings as environment variables (for the agent and the CLI in other JVMs). */
  public java.util.Map<String, String> env() {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    String nothing = "http://127.0.0.1:" + Ports.free();
    if (istio) {
      env.put("MESHPROBE_ISTIO_ADMIN_URL", adminUrl());
      env.put("MESHPROBE_ISTIO_STATUS_URL", statusUrl());
      env.put("MESHPROBE_ISTIO_READINESS_URL", readinessUrl());
      env.put("MESHPROBE_ENVOY_ADMIN_URL", nothing);
    } else {
      env.put("MESHPROBE_ENVOY_ADMIN_URL", adminUrl());
      env.put("MESHPROBE_ISTIO_ADMIN_URL", nothing);
      env.put("MESHPROBE_ISTIO_STATUS_URL", nothing);
      env.put("MESHPROBE_ISTIO_READINESS_URL", nothing);
    }
    env.put("MESHPROBE_LINKERD_ADMIN_URL", nothing);
    return env;
  }

  public String adminUrl() {
    return admin.url();
  }

  public String statusUrl() {
    return "http://127.0.0.1:" + statusPort;
  }

  public String readinessUrl() {
    return "http://127.0.0.1:" + readinessPort;
  }

  public int inboundPort() {
    return inboundPort;
  }

  public Admin admin() {
    return admin;
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  public EnvoyProcess envoy() {
    return envoy;
  }

  public PilotAgentStandIn pilotAgent() {
    return standIn;
  }

  public TestCa.Issued certificate() {
    return cert;
  }

  public List<AppPort> ports() {
    return b.ports;
  }

  @Override
  public void close() {
    envoy.close();
    if (standIn != null) {
      standIn.close();
    }
    controlPlane.close();
  }

  private String dynamicResources() {
    String fetch = "\"initial_fetch_timeout\":\"" + b.initialFetchTimeout.toMillis() / 1000.0 + "s\"";
    return "\"dynamic_resources\":{"
        + "\"ads_config\":{\"api_type\":\"GRPC\",\"transport_api_version\":\"V3\",\"set_node_on_first_message_only\":true,"
        + "\"grpc_services\":[{\"envoy_grpc\":{\"cluster_name\":\"xds-grpc\"}}]},"
        + "\"cds_config\":{\"ads\":{},\"resource_api_version\":\"V3\"," + fetch + "},"
        + "\"lds_config\":{\"ads\":{},\"resource_api_version\":\"V3\"," + fetch + "}}";
  }

  private String xdsCluster() {
    return "{\"name\":\"xds-grpc\",\"type\":\"STATIC\",\"connect_timeout\":\"1s\","
        + "\"load_assignment\":{\"cluster_name\":\"xds-grpc\",\"endpoints\":[{\"lb_endpoints\":[{\"endpoint\":{\"address\":"
        + SidecarConfig.address(controlPlane.port()) + "}}]}]},"
        + "\"typed_extension_protocol_options\":{\"envoy.extensions.upstreams.http.v3.HttpProtocolOptions\":{"
        + "\"@type\":\"type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\","
        + "\"explicit_http_config\":{\"http2_protocol_options\":{}}}}}";
  }

  private String adminBlock() {
    return "\"admin\":{\"address\":" + SidecarConfig.address(adminPort) + "}";
  }

  /** Istio's bootstrap, reduced to what matters here (istio/istio tools/packaging/common/envoy_bootstrap.json). */
  private String istioBootstrap() {
    String status =
        "{\\\"initContainers\\\":[\\\"istio-init\\\"],\\\"containers\\\":[\\\"istio-proxy\\\"],"
            + "\\\"volumes\\\":[\\\"workload-socket\\\",\\\"credential-socket\\\",\\\"workload-certs\\\",\\\"istio-envoy\\\",\\\"istio-data\\\","
            + "\\\"istio-podinfo\\\",\\\"istio-token\\\",\\\"istiod-ca-cert\\\"],\\\"imagePullSecrets\\\":null,\\\"revision\\\":\\\"default\\\"}";
    String node =
        "\"node\":{\"id\":\"sidecar~" + POD_IP + "~" + POD + "." + NAMESPACE + "~" + NAMESPACE + ".svc.cluster.local\","
            + "\"cluster\":\"" + SERVICE_ACCOUNT + "." + NAMESPACE + "\","
            + "\"metadata\":{"
            + "\"ISTIO_VERSION\":\"" + ISTIO_VERSION + "\",\"NAMESPACE\":\"" + NAMESPACE + "\",\"NAME\":\"" + POD + "\","
            + "\"CLUSTER_ID\":\"Kubernetes\",\"MESH_ID\":\"cluster.local\",\"INTERCEPTION_MODE\":\"REDIRECT\","
            + "\"SERVICE_ACCOUNT\":\"" + SERVICE_ACCOUNT + "\",\"WORKLOAD_NAME\":\"nightly-report\","
            + "\"LABELS\":{\"app\":\"nightly-report\",\"service.istio.io/canonical-name\":\"nightly-report\",\"security.istio.io/tlsMode\":\"istio\"},"
            + "\"ANNOTATIONS\":{\"sidecar.istio.io/status\":\"" + status + "\","
            + "\"traffic.sidecar.istio.io/includeInboundPorts\":\"*\",\"traffic.sidecar.istio.io/excludeInboundPorts\":\"15020,15021,15090\","
            + "\"kubectl.kubernetes.io/default-container\":\"nightly-report\"},"
            + "\"ENVOY_STATUS_PORT\":" + readinessPort + ",\"ENVOY_PROMETHEUS_PORT\":15090,"
            + "\"PROXY_CONFIG\":{\"statusPort\":" + statusPort + ",\"proxyAdminPort\":" + adminPort + ","
            + "\"discoveryAddress\":\"istiod.istio-system.svc:15012\",\"terminationDrainDuration\":\"5s\"}}}";
    String readinessListener =
        "{\"address\":" + SidecarConfig.address(readinessPort) + ",\"filter_chains\":[{\"filters\":[{"
            + "\"name\":\"envoy.filters.network.http_connection_manager\",\"typed_config\":{"
            + "\"@type\":\"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\","
            + "\"stat_prefix\":\"agent\",\"route_config\":{\"virtual_hosts\":[{\"name\":\"backend\",\"domains\":[\"*\"],"
            + "\"routes\":[{\"match\":{\"prefix\":\"/healthz/ready\"},\"route\":{\"cluster\":\"agent\"}}]}]},"
            + "\"http_filters\":[{\"name\":\"envoy.filters.http.router\",\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}}]}}]}]}";
    String agentCluster =
        "{\"name\":\"agent\",\"type\":\"STATIC\",\"connect_timeout\":\"0.250s\",\"load_assignment\":{\"cluster_name\":\"agent\","
            + "\"endpoints\":[{\"lb_endpoints\":[{\"endpoint\":{\"address\":" + SidecarConfig.address(statusPort) + "}}]}]}}";
    return "{" + node + "," + adminBlock() + "," + dynamicResources() + ","
        + "\"static_resources\":{\"clusters\":[" + xdsCluster() + "," + agentCluster + "],\"listeners\":[" + readinessListener + "]}}";
  }

  /** A Consul-style Envoy: node {@code <service>-sidecar-proxy}, the admin API, ADS; no pilot-agent, no readiness listener. */
  private String meshBootstrap() {
    String node = "\"node\":{\"id\":\"nightly-report-sidecar-proxy\",\"cluster\":\"nightly-report\",\"metadata\":{\"namespace\":\"default\",\"partition\":\"default\"}}";
    return "{" + node + "," + adminBlock() + "," + dynamicResources() + ",\"static_resources\":{\"clusters\":[" + xdsCluster() + "]}}";
  }

  /** Options; {@link #start()} builds and starts the sidecar. */
  public static final class Builder {
    private final boolean istio;
    private List<AppPort> ports = DEFAULT_PORTS;
    private Duration certLifetime = Duration.ofHours(24);
    private Duration certIssuedAgo = Duration.ofMinutes(1);
    private Duration initialFetchTimeout = Duration.ZERO;
    private int drainTimeSeconds = 5;
    private boolean controlPlaneLate;
    private Path dir;

    Builder(boolean istio) {
      this.istio = istio;
    }

    public Builder ports(List<AppPort> ports) {
      this.ports = new ArrayList<>(ports);
      return this;
    }

    /** How long from now the workload certificate stays valid (default 24 h, Istio's default lifetime). */
    public Builder certLifetime(Duration lifetime) {
      this.certLifetime = lifetime;
      return this;
    }

    /** How long ago the workload certificate became valid (default 1 min). */
    public Builder certIssuedAgo(Duration ago) {
      this.certIssuedAgo = ago;
      return this;
    }

    /** CDS/LDS {@code initial_fetch_timeout} (default 0: wait for the control plane forever, as Istio sets it). */
    public Builder initialFetchTimeout(Duration timeout) {
      this.initialFetchTimeout = timeout;
      return this;
    }

    /** Envoy's {@code --drain-time-s} (default 5). */
    public Builder drainTimeSeconds(int seconds) {
      this.drainTimeSeconds = seconds;
      return this;
    }

    /** Do not start the control plane: the test starts it with {@code controlPlane().start()}. */
    public Builder controlPlaneLate() {
      this.controlPlaneLate = true;
      return this;
    }

    /** Envoy's own directory: bootstrap and logs (required; under {@code target/}). */
    public Builder dir(Path dir) {
      this.dir = dir;
      return this;
    }

    public RealSidecar start() {
      Objects.requireNonNull(dir, "dir");
      RealSidecar s = new RealSidecar(this);
      try {
        return s.start();
      } catch (RuntimeException e) {
        s.close();
        throw e;
      }
    }
  }
}
