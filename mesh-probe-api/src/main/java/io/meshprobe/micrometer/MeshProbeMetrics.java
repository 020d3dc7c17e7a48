package io.meshprobe.micrometer;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Collections;
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
 * </table>
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
  }

  /** The meters of one registry. */
  private final class Bound {
    private final MeterRegistry registry;
    private final MultiGauge info;
    private volatile double waitedSeconds;

    Bound(MeterRegistry registry) {
      this.registry = registry;
      this.info =
          MultiGauge.builder(INFO)
              .tags(tags)
              .description("The pod's mesh proxy: always 1, the tags say which")
              .register(registry);
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
