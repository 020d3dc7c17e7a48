package io.meshprobe.micrometer;

import io.meshprobe.MeshProbe;
import io.meshprobe.internal.Log;
import io.meshprobe.internal.meters.MeterDef;
import io.meshprobe.internal.meters.MeterSource;
import io.meshprobe.internal.meters.MeterSync;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Exports a {@link MeshProbe}'s view of the pod's proxy as meters. Every meter reads the probe's cached state; no
 * meter ever calls the proxy. The meters, their tags and units are listed in {@code docs/metrics.md}: proxy and
 * readiness ({@code meshprobe.proxy.info}, {@code .ready}, {@code .wait.time} per outcome, {@code .quit}), mTLS
 * ({@code meshprobe.mtls.enabled}, {@code meshprobe.mtls.mode{mode}}, {@code meshprobe.mtls.plaintext.share}),
 * identity and certificate expiry, the port table, findings by code and severity, and the proxy's health
 * (control-plane connection, config updates and rejections, memory, CPU, quit path).
 *
 * <p>The meter set is defined once, without Micrometer, in the library's internals; this binder registers one
 * meter per series of that definition and keeps them in step with the probe's events: a port, a finding or an
 * identity that goes away is removed, a value that is not known (mTLS mode unknown, no CPU figure) has no meter at
 * all rather than a NaN sample. The Java agent exports the same definition into the app's registries, over JMX and
 * on its own Prometheus endpoint, so every way in shows the same series.
 *
 * <p>Binding starts the probe's background status refresh ({@code meshprobe.status.refresh}). Tag values are lower
 * case, except {@code mode} of {@code meshprobe.mtls.mode} ({@code STRICT}, {@code PERMISSIVE}, {@code DISABLE},
 * {@code UNKNOWN}). Registry-wide tags (pod, namespace) are the registry's business and are not added here.
 */
public final class MeshProbeMetrics implements MeterBinder, AutoCloseable {
  private final MeshProbe probe;
  private final Iterable<Tag> tags;
  private final MeterSource source;
  private final List<MeterSync> bound = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private volatile @Nullable String lastFailure;

  public MeshProbeMetrics(MeshProbe probe) {
    this(probe, Collections.<Tag>emptyList());
  }

  /** @param tags extra tags added to every meter */
  public MeshProbeMetrics(MeshProbe probe, Iterable<Tag> tags) {
    this.probe = Objects.requireNonNull(probe, "probe");
    this.tags = Objects.requireNonNull(tags, "tags");
    this.source = new MeterSource(probe, true);
    source.onChange(this::syncAll);
    probe.addListener(source);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    MeterSync sync = new MeterSync(source, new Direct(registry));
    bound.add(sync);
    sync(sync);
    // The status meters follow the cached snapshot: keep it fresh (idempotent; off with meshprobe.status.refresh=0).
    source.probe().startStatusRefresh();
  }

  private void syncAll() {
    if (closed) {
      return;
    }
    for (MeterSync s : bound) {
      sync(s);
    }
  }

  private void sync(MeterSync s) {
    if (!s.sync()) {
      String failure = s.failure();
      if (failure != null && !failure.equals(lastFailure)) {
        lastFailure = failure;
        Log.warn("meter not registered: " + failure);
      }
    }
  }

  /** Stops following the probe. Meters already registered stay in their registries. */
  @Override
  public void close() {
    closed = true;
    probe.removeListener(source);
  }

  /** Micrometer itself. */
  private final class Direct implements MeterSync.Registrar {
    private final MeterRegistry registry;

    Direct(MeterRegistry registry) {
      this.registry = registry;
    }

    @Override
    public Object register(MeterDef def, String[] rowTags, MeterSync.Cell cell) {
      switch (def.kind()) {
        case TIME_GAUGE:
          return TimeGauge.builder(def.name(), cell, TimeUnit.SECONDS, MeterSync.VALUE)
              .tags(tags)
              .tags(rowTags)
              .description(def.description())
              .strongReference(true)
              .register(registry);
        case FUNCTION_COUNTER:
          // Holds the cell weakly; the MeterSync holds it strongly for as long as the meter is registered.
          return FunctionCounter.builder(def.name(), cell, MeterSync.VALUE)
              .tags(tags)
              .tags(rowTags)
              .description(def.description())
              .baseUnit(def.baseUnit())
              .register(registry);
        default:
          return Gauge.builder(def.name(), cell, MeterSync.VALUE)
              .tags(tags)
              .tags(rowTags)
              .description(def.description())
              .baseUnit(def.baseUnit())
              .strongReference(true)
              .register(registry);
      }
    }

    @Override
    public void remove(Object meter) {
      registry.remove((Meter) meter);
    }
  }
}
