package io.meshprobe.micrometer;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.Tristate;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Exports a {@link MeshProbe}'s view of the pod's proxy as meters. Every gauge reads the probe's cached state;
 * no meter ever calls the proxy.
 *
 * <table>
 *   <caption>Meters (Prometheus names in brackets)</caption>
 *   <tr><td>{@code meshprobe.proxy.info} [{@code meshprobe_proxy_info}]</td><td>gauge, always 1; tags {@code mesh}, {@code proxy}, {@code version}</td></tr>
 *   <tr><td>{@code meshprobe.proxy.ready} [{@code meshprobe_proxy_ready}]</td><td>gauge, 1 when the proxy was last seen ready, else 0</td></tr>
 *   <tr><td>{@code meshprobe.proxy.wait.time} [{@code meshprobe_proxy_wait_time_seconds}]</td><td>time gauge: how long the start-up wait took; tags {@code mesh}, {@code outcome}</td></tr>
 *   <tr><td>{@code meshprobe.proxy.quit} [{@code meshprobe_proxy_quit_total}]</td><td>counter of quit requests; tags {@code mesh}, {@code outcome}</td></tr>
 *   <tr><td>{@code meshprobe.mtls.enabled} [{@code meshprobe_mtls_enabled}]</td><td>gauge: 1 when inbound mTLS is STRICT or PERMISSIVE, 0 when DISABLE, NaN when unknown</td></tr>
 *   <tr><td>{@code meshprobe.identity.info} [{@code meshprobe_identity_info}]</td><td>gauge, always 1; tag {@code identity} (SPIFFE URI or Linkerd name)</td></tr>
 *   <tr><td>{@code meshprobe.identity.cert.expiration.timestamp} [{@code meshprobe_identity_cert_expiration_timestamp_seconds}]</td><td>gauge: the workload certificate's notAfter, epoch seconds (shaped like Linkerd's); NaN when unknown</td></tr>
 *   <tr><td>{@code meshprobe.port.info} [{@code meshprobe_port_info}]</td><td>gauge, always 1, one per app port; tags {@code port}, {@code protocol}, {@code mtls}</td></tr>
 *   <tr><td>{@code meshprobe.findings} [{@code meshprobe_findings}]</td><td>gauge: how many findings of a code; tags {@code code}, {@code severity}</td></tr>
 *   <tr><td>{@code meshprobe.controlplane.connected} [{@code meshprobe_controlplane_connected}]</td><td>gauge: 1 connected to the control plane, 0 disconnected, NaN unknown</td></tr>
 *   <tr><td>{@code meshprobe.config.last.update.timestamp} [{@code meshprobe_config_last_update_timestamp_seconds}]</td><td>gauge: when the proxy last accepted a config update, epoch seconds; NaN unknown</td></tr>
 *   <tr><td>{@code meshprobe.config.rejected} [{@code meshprobe_config_rejected}]</td><td>gauge: config updates the proxy rejected since it started; NaN unknown</td></tr>
 *   <tr><td>{@code meshprobe.proxy.memory} [{@code meshprobe_proxy_memory_bytes}]</td><td>gauge: memory of the proxy's processes; NaN unknown</td></tr>
 *   <tr><td>{@code meshprobe.proxy.cpu} [{@code meshprobe_proxy_cpu_seconds_total}]</td><td>function counter: CPU seconds the proxy's processes used; NaN unknown</td></tr>
 *   <tr><td>{@code meshprobe.quit.available} [{@code meshprobe_quit_available}]</td><td>gauge: 1 the quit path works, 0 it does not (a Job would hang), NaN unknown</td></tr>
 * </table>
 *
 * The status meters read {@link MeshProbe#status()}'s cached snapshot, which binding starts refreshing in the
 * background ({@code meshprobe.status.refresh}); {@code protocol}, {@code mtls} and {@code severity} are the
 * lower-case enum names ({@code http}, {@code strict}, {@code warn}).
 *
 * Tag values are lower case: {@code mesh} is {@code istio}, {@code linkerd}, {@code consul}, {@code kuma},
 * {@code appmesh}, {@code osm}, {@code envoy} or {@code none}; {@code outcome} is the enum name of
 * {@link io.meshprobe.WaitOutcome} or {@link io.meshprobe.QuitOutcome}. Registry-wide tags (pod, namespace)
 * are the registry's business and are not added here.
 */
public final class MeshProbeMetrics implements MeterBinder, AutoCloseable {
  static final String INFO = "meshprobe.proxy.info";
  static final String READY = "meshprobe.proxy.ready";
  static final String WAIT_TIME = "meshprobe.proxy.wait.time";
  static final String QUIT = "meshprobe.proxy.quit";
  static final String MTLS_ENABLED = "meshprobe.mtls.enabled";
  static final String IDENTITY_INFO = "meshprobe.identity.info";
  static final String CERT_EXPIRATION = "meshprobe.identity.cert.expiration.timestamp";
  static final String PORT_INFO = "meshprobe.port.info";
  static final String FINDINGS = "meshprobe.findings";
  static final String CONTROLPLANE_CONNECTED = "meshprobe.controlplane.connected";
  static final String CONFIG_LAST_UPDATE = "meshprobe.config.last.update.timestamp";
  static final String CONFIG_REJECTED = "meshprobe.config.rejected";
  static final String PROXY_MEMORY = "meshprobe.proxy.memory";
  static final String PROXY_CPU = "meshprobe.proxy.cpu";
  static final String QUIT_AVAILABLE = "meshprobe.quit.available";

  private final MeshProbe probe;
  private final Iterable<Tag> tags;
  private final List<Bound> bound = new CopyOnWriteArrayList<>();
  private final Listener listener = new Listener();

  public MeshProbeMetrics(MeshProbe probe) {
    this(probe, Collections.<Tag>emptyList());
  }

  /** @param tags extra tags added to every meter */
  public MeshProbeMetrics(MeshProbe probe, Iterable<Tag> tags) {
    this.probe = Objects.requireNonNull(probe, "probe");
    this.tags = Objects.requireNonNull(tags, "tags");
    probe.addListener(listener);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Bound b = new Bound(registry);
    bound.add(b);
    Gauge.builder(READY, probe, p -> p.isReady() ? 1 : 0)
        .tags(tags)
        .description("1 when the mesh proxy was last seen ready, else 0")
        .strongReference(true)
        .register(registry);
    Detection d = probe.lastDetection();
    if (d != null) {
      b.info(d);
    }
    WaitResult w = probe.lastWait();
    if (w != null) {
      b.waited(w);
    }
    Gauge.builder(MTLS_ENABLED, this, m -> mtlsEnabled(m.cachedStatus()))
        .tags(tags)
        .description("1 when the mesh proxy accepts inbound mTLS (STRICT or PERMISSIVE), 0 when DISABLE, NaN when unknown")
        .strongReference(true)
        .register(registry);
    Gauge.builder(CERT_EXPIRATION, this, m -> certExpiration(m.cachedStatus()))
        .tags(tags)
        .baseUnit("seconds")
        .description("When the workload certificate expires, in seconds since the epoch")
        .strongReference(true)
        .register(registry);
    Gauge.builder(CONTROLPLANE_CONNECTED, this, m -> tristate(m.health().controlPlaneConnected()))
        .tags(tags)
        .description("1 when the mesh proxy is connected to its control plane, 0 when not, NaN when unknown")
        .strongReference(true)
        .register(registry);
    Gauge.builder(CONFIG_LAST_UPDATE, this, m -> seconds(m.health().lastConfigUpdate()))
        .tags(tags)
        .baseUnit("seconds")
        .description("When the mesh proxy last accepted a config update, in seconds since the epoch")
        .strongReference(true)
        .register(registry);
    Gauge.builder(CONFIG_REJECTED, this, m -> number(m.health().configRejected()))
        .tags(tags)
        .description("Config updates the mesh proxy rejected since it started")
        .strongReference(true)
        .register(registry);
    Gauge.builder(PROXY_MEMORY, this, m -> number(m.health().memoryBytes()))
        .tags(tags)
        .baseUnit("bytes")
        .description("Memory of the mesh proxy's processes (Envoy + pilot-agent, or linkerd2-proxy)")
        .strongReference(true)
        .register(registry);
    // A function counter holds its object weakly: the probe, which the app keeps, not this binder.
    FunctionCounter.builder(PROXY_CPU, probe, p -> number(healthOf(p).cpuSeconds()))
        .tags(tags)
        .baseUnit("seconds")
        .description("CPU time the mesh proxy's processes used, where they tell it")
        .register(registry);
    Gauge.builder(QUIT_AVAILABLE, this, m -> tristate(m.health().quitAvailable()))
        .tags(tags)
        .description("1 when quitting the mesh proxy would work, 0 when it would not (a Job would hang), NaN when unknown")
        .strongReference(true)
        .register(registry);
    MeshStatus s = cachedStatus();
    if (s != null) {
      b.status(s);
    }
  }

  private ProxyHealth health() {
    return healthOf(probe);
  }

  private static ProxyHealth healthOf(MeshProbe p) {
    try {
      MeshStatus s = p.status();
      return s == null ? ProxyHealth.UNKNOWN : s.health();
    } catch (IllegalStateException closed) {
      return ProxyHealth.UNKNOWN;
    }
  }

  private static double tristate(Tristate t) {
    return t == Tristate.YES ? 1 : t == Tristate.NO ? 0 : Double.NaN;
  }

  private static double seconds(@Nullable Instant t) {
    return t == null ? Double.NaN : t.toEpochMilli() / 1000.0;
  }

  private static double number(@Nullable Number n) {
    return n == null ? Double.NaN : n.doubleValue();
  }

  private @Nullable MeshStatus cachedStatus() {
    try {
      return probe.status();
    } catch (IllegalStateException closed) {
      return null;
    }
  }

  private static double mtlsEnabled(@Nullable MeshStatus s) {
    if (s == null) {
      return Double.NaN;
    }
    switch (s.mtls()) {
      case STRICT:
      case PERMISSIVE:
        return 1;
      case DISABLE:
        return 0;
      default:
        return Double.NaN;
    }
  }

  private static double certExpiration(@Nullable MeshStatus s) {
    Identity id = s == null ? null : s.identity();
    Instant notAfter = id == null ? null : id.notAfter();
    return notAfter == null ? Double.NaN : notAfter.getEpochSecond();
  }

  /** Stops following the probe. Meters already registered stay in their registries. */
  @Override
  public void close() {
    probe.removeListener(listener);
  }

  private static String mesh(@Nullable Detection d) {
    return d == null ? "none" : d.mesh();
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private final class Listener implements MeshProbeListener {
    @Override
    public void onDetected(Detection detection) {
      for (Bound b : bound) {
        b.info(detection);
      }
    }

    @Override
    public void onWaitFinished(WaitResult result) {
      for (Bound b : bound) {
        b.waited(result);
      }
    }

    @Override
    public void onQuit(QuitResult result) {
      for (Bound b : bound) {
        b.quit(result);
      }
    }

    @Override
    public void onStatus(MeshStatus status) {
      for (Bound b : bound) {
        b.status(status);
      }
    }
  }

  /** The meters of one registry. */
  private final class Bound {
    private final MeterRegistry registry;
    private final MultiGauge info;
    private final MultiGauge identity;
    private final MultiGauge ports;
    private final MultiGauge findings;
    private volatile double waitedSeconds;

    Bound(MeterRegistry registry) {
      this.registry = registry;
      this.info =
          MultiGauge.builder(INFO)
              .tags(tags)
              .description("The pod's mesh proxy: always 1, the tags say which")
              .register(registry);
      this.identity =
          MultiGauge.builder(IDENTITY_INFO).tags(tags).description("The workload identity: always 1, the tag says which").register(registry);
      this.ports =
          MultiGauge.builder(PORT_INFO)
              .tags(tags)
              .description("How the mesh proxy treats each app port: always 1, the tags say how")
              .register(registry);
      this.findings =
          MultiGauge.builder(FINDINGS).tags(tags).description("Mesh set-up findings, by code and severity").register(registry);
    }

    void status(MeshStatus s) {
      List<MultiGauge.Row<?>> ids = new ArrayList<>();
      Identity id = s.identity();
      if (id != null && id.name() != null) {
        ids.add(MultiGauge.Row.of(Tags.of("identity", id.name()), 1));
      }
      identity.register(ids, true);
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      for (PortStatus p : s.ports()) {
        rows.add(
            MultiGauge.Row.of(Tags.of("port", Integer.toString(p.port()), "protocol", lower(p.protocol()), "mtls", lower(p.mtls())), 1));
      }
      ports.register(rows, true);
      Map<List<String>, Integer> counts = new LinkedHashMap<>();
      for (Finding f : s.findings()) {
        List<String> key = Arrays.asList(f.code(), lower(f.severity()));
        Integer n = counts.get(key);
        counts.put(key, n == null ? 1 : n + 1);
      }
      List<MultiGauge.Row<?>> found = new ArrayList<>();
      for (Map.Entry<List<String>, Integer> c : counts.entrySet()) {
        found.add(MultiGauge.Row.of(Tags.of("code", c.getKey().get(0), "severity", c.getKey().get(1)), c.getValue()));
      }
      findings.register(found, true);
    }

    void info(Detection d) {
      String version = d.version() == null ? "unknown" : d.version();
      info.register(
          Collections.singletonList(MultiGauge.Row.of(Tags.of("mesh", d.mesh(), "proxy", d.proxy(), "version", version), 1)),
          true);
    }

    void waited(WaitResult w) {
      waitedSeconds = w.waited().toNanos() / 1e9;
      TimeGauge.builder(WAIT_TIME, this, TimeUnit.SECONDS, b -> b.waitedSeconds)
          .tags(tags)
          .tags("mesh", mesh(w.detection()), "outcome", lower(w.outcome()))
          .description("How long the start-up wait for the mesh proxy took")
          .strongReference(true)
          .register(registry);
    }

    void quit(QuitResult q) {
      Counter.builder(QUIT)
          .tags(tags)
          .tags("mesh", mesh(probe.lastDetection()), "outcome", lower(q.outcome()))
          .description("Requests to the mesh proxy to quit, by outcome")
          .register(registry)
          .increment();
    }
  }
}
