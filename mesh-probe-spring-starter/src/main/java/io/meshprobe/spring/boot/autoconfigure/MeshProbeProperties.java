package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The {@code meshprobe.*} keys, the same ones the library and the agent read from system properties and
 * {@code MESHPROBE_*} environment variables. Spring binds them from every property source (application.yml,
 * profiles, environment, command line) and hands them to {@link io.meshprobe.MeshProbe#builder()}.
 *
 * <p>The agent's quit policy is the scalar key {@code meshprobe.quit} ({@code auto|always|never}); a key cannot be
 * both a value and a group in a JavaBean, so it is read beside this class (see {@link QuitPolicy}) and described in
 * {@code additional-spring-configuration-metadata.json}.
 *
 * <p>Every setting the library also has is {@code null} until set, and only set values are handed to the builder,
 * so the library's defaults (and a default changed in a later library version) apply to Boot apps unchanged, the
 * way Boot's own auto-configurations fall back to a client library's defaults. The defaults shown by IDEs come
 * from {@code additional-spring-configuration-metadata.json}; {@code MetadataDefaultsTest} holds them to the
 * README's key reference.
 */
@ConfigurationProperties("meshprobe")
public class MeshProbeProperties {
  /** Master switch. When false the starter defines no beans, neither waits nor quits. */
  private boolean enabled = true;

  /** Which mesh to expect. Anything but auto skips detection. */
  private Mesh mesh = Mesh.AUTO;

  private final Detect detect = new Detect();

  private final Podinfo podinfo = new Podinfo();

  private final Wait wait = new Wait();

  private final Quit quit = new Quit();

  private final Istio istio = new Istio();

  private final Envoy envoy = new Envoy();

  private final Linkerd linkerd = new Linkerd();

  private final Http http = new Http();

  private final Admin admin = new Admin();

  /**
   * The app's inbound ports for the status port table. Empty: the ports of the app's web servers (main and
   * management, as they start), else the ports the JVM listens on (when the agent publishes them), else the proxy's
   * non-proxy inbound ports.
   */
  private List<Integer> ports = new ArrayList<>();

  private final Status status = new Status();

  private final Proxy proxy = new Proxy();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Mesh getMesh() {
    return mesh;
  }

  public void setMesh(Mesh mesh) {
    this.mesh = mesh;
  }

  public Detect getDetect() {
    return detect;
  }

  public Podinfo getPodinfo() {
    return podinfo;
  }

  public Wait getWait() {
    return wait;
  }

  public Quit getQuit() {
    return quit;
  }

  public Istio getIstio() {
    return istio;
  }

  public Envoy getEnvoy() {
    return envoy;
  }

  public Linkerd getLinkerd() {
    return linkerd;
  }

  public Http getHttp() {
    return http;
  }

  public Admin getAdmin() {
    return admin;
  }

  public List<Integer> getPorts() {
    return ports;
  }

  public void setPorts(List<Integer> ports) {
    this.ports = ports;
  }

  public Status getStatus() {
    return status;
  }

  public Proxy getProxy() {
    return proxy;
  }

  /** Values of {@code meshprobe.mesh}. */
  public enum Mesh {
    /** Detect the mesh (the default). */
    AUTO(null),
    /** Istio with a sidecar. */
    ISTIO(MeshType.ISTIO_SIDECAR),
    /** Linkerd. */
    LINKERD(MeshType.LINKERD),
    /** A generic Envoy mesh (Consul, Kuma, App Mesh, OSM). */
    ENVOY(MeshType.ENVOY),
    /** Istio ambient mode: no proxy in the pod. */
    AMBIENT(MeshType.ISTIO_AMBIENT),
    /** No mesh. */
    NONE(MeshType.NONE);

    private final @Nullable MeshType type;

    Mesh(@Nullable MeshType type) {
      this.type = type;
    }

    /** The library's type, {@code null} for auto-detection. */
    public @Nullable MeshType type() {
      return type;
    }
  }

  /** Detection settings. */
  public static class Detect {
    /**
     * Inside Kubernetes, how long "nothing listens yet" may last before the verdict becomes "no mesh" (the library
     * default is 5s). Unset, the window applies only inside Kubernetes; set, it applies everywhere.
     */
    private @Nullable Duration window;

    public @Nullable Duration getWindow() {
      return window;
    }

    public void setWindow(@Nullable Duration window) {
      this.window = window;
    }
  }

  /** Downward API settings. */
  public static class Podinfo {
    /** Directory of the Downward API files 'annotations' and 'labels'; they make the verdict certain and immediate. Unset: the library's default, /etc/podinfo. */
    private @Nullable String dir;

    public @Nullable String getDir() {
      return dir;
    }

    public void setDir(@Nullable String dir) {
      this.dir = dir;
    }
  }

  /** Start-up wait settings. */
  public static class Wait {
    /**
     * How start-up waits for the proxy. block: before the application context is refreshed, so before any pool or
     * client is created. parallel: start at once and hold the readiness state at REFUSING_TRAFFIC until the proxy is
     * ready. gate: the agent's socket gate; the starter does not instrument sockets and treats it as parallel. off: no
     * wait (the status is still read in the background for health and metrics).
     */
    private WaitMode mode = WaitMode.BLOCK;

    /** Longest wait for the proxy to be ready (the detection window counts towards it). Unset: the library's default, 60s. */
    private @Nullable Duration timeout;

    /**
     * What a timed-out wait does. continue: log and go on (fail open). fail: block mode fails the start-up, parallel
     * mode keeps readiness at REFUSING_TRAFFIC. Unset: the library's default, continue.
     */
    private @Nullable OnTimeout onTimeout;

    /** Poll period while the proxy answers "not ready". While it refuses connections the period is halved. Unset: the library's default, 8ms. */
    private @Nullable Duration interval;

    public WaitMode getMode() {
      return mode;
    }

    public void setMode(WaitMode mode) {
      this.mode = mode;
    }

    public @Nullable Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(@Nullable Duration timeout) {
      this.timeout = timeout;
    }

    public @Nullable OnTimeout getOnTimeout() {
      return onTimeout;
    }

    public void setOnTimeout(@Nullable OnTimeout onTimeout) {
      this.onTimeout = onTimeout;
    }

    public @Nullable Duration getInterval() {
      return interval;
    }

    public void setInterval(@Nullable Duration interval) {
      this.interval = interval;
    }
  }

  /** Values of {@code meshprobe.wait.mode}. */
  public enum WaitMode {
    /** Wait before the context is refreshed (the default). */
    BLOCK,
    /** Start at once; hold readiness at REFUSING_TRAFFIC until the proxy is ready. */
    PARALLEL,
    /** The agent's mode; without the agent the starter behaves as in PARALLEL. */
    GATE,
    /** No start-up wait. */
    OFF
  }

  /** Values of {@code meshprobe.wait.on-timeout}. */
  public enum OnTimeout {
    /** Log and go on. */
    CONTINUE,
    /** Fail the start-up (block) or keep refusing traffic (parallel). */
    FAIL
  }

  /** Quit settings; the policy itself is the scalar key {@code meshprobe.quit}. */
  public static class Quit {
    /** Upper bound for the whole quit, every URL included. Unset: the library's default, 2s. */
    private @Nullable Duration timeout;

    /** URLs also POSTed on quit, for other sidecars (a Vault agent, cloud-sql-proxy's /quitquitquit). */
    private List<String> extraUrls = new ArrayList<>();

    /**
     * Whether the auto policy also quits when the app failed (start-up failure or a non-zero exit code from
     * SpringApplication.exit). Set it false for restartPolicy: OnFailure Jobs, where a quit proxy is never restarted. Unset: true.
     */
    private @Nullable Boolean onFailure;

    /**
     * Whether to check, once the proxy is ready and without quitting it, that the quit path works (Istio's status
     * port answers, Linkerd's shutdown endpoint is enabled), and log one WARN line if not. Unset: the library's default, true.
     */
    private @Nullable Boolean preflight;

    public @Nullable Boolean getPreflight() {
      return preflight;
    }

    public void setPreflight(@Nullable Boolean preflight) {
      this.preflight = preflight;
    }

    public @Nullable Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(@Nullable Duration timeout) {
      this.timeout = timeout;
    }

    public List<String> getExtraUrls() {
      return extraUrls;
    }

    public void setExtraUrls(List<String> extraUrls) {
      this.extraUrls = extraUrls;
    }

    public @Nullable Boolean getOnFailure() {
      return onFailure;
    }

    public void setOnFailure(@Nullable Boolean onFailure) {
      this.onFailure = onFailure;
    }
  }

  /** Istio endpoints. */
  public static class Istio {
    /** pilot-agent's status server: readiness fallback and the quit endpoint. Unset: the library's default, http://127.0.0.1:15020. */
    private @Nullable String statusUrl;

    /** Envoy's readiness listener, the kubelet's probe target since Istio 1.6. Unset: the library's default, http://127.0.0.1:15021. */
    private @Nullable String readinessUrl;

    /** Istio's Envoy admin API: bootstrap, config dump, certificates, quit fallback. Unset: the library's default, http://127.0.0.1:15000. */
    private @Nullable String adminUrl;

    public @Nullable String getStatusUrl() {
      return statusUrl;
    }

    public void setStatusUrl(@Nullable String statusUrl) {
      this.statusUrl = statusUrl;
    }

    public @Nullable String getReadinessUrl() {
      return readinessUrl;
    }

    public void setReadinessUrl(@Nullable String readinessUrl) {
      this.readinessUrl = readinessUrl;
    }

    public @Nullable String getAdminUrl() {
      return adminUrl;
    }

    public void setAdminUrl(@Nullable String adminUrl) {
      this.adminUrl = adminUrl;
    }
  }

  /** Generic Envoy mesh endpoints. */
  public static class Envoy {
    /** Admin API of a generic Envoy mesh. Unset: try Consul (19000), Kuma/App Mesh (9901) and OSM (15000). */
    private @Nullable String adminUrl;

    public @Nullable String getAdminUrl() {
      return adminUrl;
    }

    public void setAdminUrl(@Nullable String adminUrl) {
      this.adminUrl = adminUrl;
    }
  }

  /** Linkerd endpoints. */
  public static class Linkerd {
    /** linkerd-proxy's admin server. Unset: the library's default, http://127.0.0.1:4191. */
    private @Nullable String adminUrl;

    public @Nullable String getAdminUrl() {
      return adminUrl;
    }

    public void setAdminUrl(@Nullable String adminUrl) {
      this.adminUrl = adminUrl;
    }
  }

  /** Calls to the proxy. */
  public static class Http {
    /** Deadline of one call to the proxy, connect and body included. Unset: the library's default, 1s. */
    private @Nullable Duration timeout;

    /** Largest response body read from the proxy; a larger one is cut off and reported as an error. Unset: the library's default, 64MB. */
    private @Nullable DataSize maxBody;

    public @Nullable Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(@Nullable Duration timeout) {
      this.timeout = timeout;
    }

    public @Nullable DataSize getMaxBody() {
      return maxBody;
    }

    public void setMaxBody(@Nullable DataSize maxBody) {
      this.maxBody = maxBody;
    }
  }

  /** Admin API safety. */
  public static class Admin {
    /** Allow admin and quit URLs that are not loopback. Unset: the library's default, false (the proxy's admin API is pod-local). */
    private @Nullable Boolean allowRemote;

    public @Nullable Boolean getAllowRemote() {
      return allowRemote;
    }

    public void setAllowRemote(@Nullable Boolean allowRemote) {
      this.allowRemote = allowRemote;
    }
  }

  /** Mesh status snapshot (mTLS, identity, ports, findings). */
  public static class Status {
    /** How often the cached status, and with it the proxy's readiness, is refreshed in the background; 0 refreshes only on demand. Unset: the library's default, 30s. */
    private @Nullable Duration refresh;

    public @Nullable Duration getRefresh() {
      return refresh;
    }

    public void setRefresh(@Nullable Duration refresh) {
      this.refresh = refresh;
    }
  }

  /** The proxy's own resource use. */
  public static class Proxy {
    /** Proxy memory above which the status reports the proxy-memory-over-budget finding; 0 turns the check off. Unset: the library's default, 128MB. */
    private @Nullable DataSize memoryBudget;

    public @Nullable DataSize getMemoryBudget() {
      return memoryBudget;
    }

    public void setMemoryBudget(@Nullable DataSize memoryBudget) {
      this.memoryBudget = memoryBudget;
    }
  }
}
