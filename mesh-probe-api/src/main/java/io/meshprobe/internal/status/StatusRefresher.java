package io.meshprobe.internal.status;

import io.meshprobe.Detection;
import io.meshprobe.internal.AdminHttp;
import io.meshprobe.internal.Durations;
import io.meshprobe.internal.Log;
import io.meshprobe.internal.ProbeConfig;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.ProxyInfo;
import io.meshprobe.status.Tristate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a probe's status snapshot: refreshed on demand, and on one daemon thread every
 * {@code meshprobe.status.refresh} once somebody asked for it. Readers (gauges) only ever read the cache.
 */
public final class StatusRefresher implements AutoCloseable {
  private final Duration interval;
  private final List<Integer> configuredPorts;
  /** One status read may take as long as this many calls to the proxy. */
  static final int STATUS_BUDGET_CALLS = 5;

  private final StatusFetcher fetcher;
  private final Supplier<Detection> detect;
  private final Consumer<MeshStatus> onStatus;
  private final Object refreshLock = new Object();
  private volatile @Nullable MeshStatus cached;
  private volatile @Nullable ScheduledExecutorService scheduler;
  private volatile boolean closed;

  public StatusRefresher(ProbeConfig config, AdminHttp http, Supplier<Detection> detect, Consumer<MeshStatus> onStatus) {
    this.interval = config.statusRefresh;
    this.configuredPorts = config.ports;
    this.fetcher =
        new StatusFetcher(
            http,
            config.istioAdminUrl,
            config.istioStatusUrl,
            config.linkerdAdminUrl,
            config.proxyMemoryBudget,
            // The whole read, every request included: a proxy that drips its answers cannot hold the refresher.
            config.httpTimeout.multipliedBy(STATUS_BUDGET_CALLS));
    this.detect = detect;
    this.onStatus = onStatus;
  }

  /** The latest snapshot; starts the background refresh on first use. */
  public @Nullable MeshStatus cached() {
    startBackground();
    return cached;
  }

  /** Takes a snapshot now (one at a time) and caches it. */
  public MeshStatus refresh() {
    synchronized (refreshLock) {
      MeshStatus s;
      try {
        Detection d = detect.get();
        s = fetcher.fetch(d, new Derivation.AppPorts(configuredPorts, StatusFetcher.listenPorts()));
      } catch (RuntimeException e) {
        Log.warn("could not take the mesh status", e);
        s = MeshStatus.builder(new ProxyInfo("none", "none", null, Tristate.UNKNOWN), Instant.now()).note("status failed: " + e).build();
      }
      cached = s;
      onStatus.accept(s);
      return s;
    }
  }

  private void startBackground() {
    if (scheduler != null || closed || interval.isZero()) {
      return;
    }
    synchronized (this) {
      if (scheduler != null || closed) {
        return;
      }
      ScheduledExecutorService s =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "mesh-probe-status");
                t.setDaemon(true);
                return t;
              });
      s.scheduleWithFixedDelay(
          () -> {
            try {
              refresh();
            } catch (RuntimeException e) {
              Log.debug("status refresh failed: " + e);
            }
          },
          0,
          interval.toMillis(),
          TimeUnit.MILLISECONDS);
      scheduler = s;
      Log.debug("refreshing the mesh status every " + Durations.format(interval));
    }
  }

  @Override
  public void close() {
    closed = true;
    ScheduledExecutorService s = scheduler;
    if (s != null) {
      s.shutdownNow();
    }
  }
}
