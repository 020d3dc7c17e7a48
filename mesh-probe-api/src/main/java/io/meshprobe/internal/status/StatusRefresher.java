package io.meshprobe.internal.status;

import io.meshprobe.Detection;
import io.meshprobe.internal.AdminHttp;
import io.meshprobe.internal.Durations;
import io.meshprobe.internal.Log;
import io.meshprobe.internal.ProbeConfig;
import io.meshprobe.internal.ReadinessCheck;
import io.meshprobe.internal.Results;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.Tristate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Keeps a probe's status snapshot: refreshed on demand, and on one daemon thread every {@code meshprobe.status.refresh}
 * once {@link #start() started}. Readers (gauges, health) only ever read the cache.
 *
 * <p>Each refresh also asks the proxy's readiness endpoint, so the probe's readiness follows the snapshots, and applies
 * the liveness rule ({@link Derivation#unreachable}): a proxy that was ready and then leaves its readiness endpoint and
 * admin API silent on {@value Derivation#SILENT_READS} reads in a row is reported unreachable and not ready. After a
 * first silent read the next one comes sooner ({@link #CONFIRM_DELAY_MILLIS}, or the period if shorter), so the verdict
 * takes at most about two periods.
 *
 * <p>Lifecycle: {@link #start()} and {@link #close()} take one lock, so no scheduler can be started after (or while)
 * the refresher closes. A refresh that ends after {@link #close()}, or on an interrupted thread, is discarded: not
 * cached, not published.
 */
public final class StatusRefresher implements AutoCloseable {
  /** One status read may take as long as this many calls to the proxy. */
  static final int STATUS_BUDGET_CALLS = 5;

  /** Longest pause before the read that confirms a first silent read. */
  static final long CONFIRM_DELAY_MILLIS = 1000;

  /** Where a taken snapshot goes. Called on the refreshing thread, with no lock of the refresher's held. */
  public interface Sink {
    /**
     * @param ready whether the proxy is ready according to this snapshot; {@code null} when it does not tell (no
     *     sidecar, or a first silent read that is not a verdict yet)
     * @param checkedAt {@link System#nanoTime()} when the readiness check behind {@code ready} was made
     */
    void accept(MeshStatus status, @Nullable Boolean ready, long checkedAt);
  }

  /** One readiness check of the detected proxy. */
  public interface Readiness {
    ReadinessCheck.Result check(Detection d);
  }

  private final Duration interval;
  private final List<Integer> configuredPorts;
  private final ProbeConfig config;
  private final AdminHttp http;
  /** Built at the first read, not with the probe: StatusFetcher (and what it links) stays out of the agent's premain. */
  private @Nullable StatusFetcher fetcher;
  private final Supplier<Detection> detect;
  private final Readiness readiness;
  private final Sink sink;

  /** Serialises refreshes: one read of the proxy at a time. */
  private final Object refreshLock = new Object();
  /** Guards {@link #scheduler} and {@link #closed}: start and stop happen under it. */
  private final Object lifecycleLock = new Object();

  private volatile @Nullable MeshStatus cached;
  private volatile List<Integer> declaredPorts = Collections.emptyList();
  private volatile boolean seenReady;
  /** Reads in a row that found the proxy silent; only touched under {@link #refreshLock}. */
  private int silentReads;

  private @Nullable ScheduledExecutorService scheduler;
  private volatile boolean closed;

  public StatusRefresher(ProbeConfig config, AdminHttp http, Supplier<Detection> detect, Readiness readiness, Sink sink) {
    this.interval = config.statusRefresh;
    this.configuredPorts = config.ports;
    this.config = config;
    this.http = http;
    this.detect = detect;
    this.readiness = readiness;
    this.sink = sink;
  }

  /** The latest snapshot, or {@code null}. Makes no call and starts nothing. */
  /** The fetcher, built on first use; called under {@code refreshLock}. */
  private StatusFetcher fetcher() {
    StatusFetcher f = fetcher;
    if (f == null) {
      f =
          new StatusFetcher(
              http,
              config.istioAdminUrl,
              config.istioStatusUrl,
              config.linkerdAdminUrl,
              config.proxyMemoryBudget,
              // The whole read, every request included: a proxy that drips its answers cannot hold the refresher.
              config.httpTimeout.multipliedBy(STATUS_BUDGET_CALLS));
      fetcher = f;
    }
    return f;
  }

  public @Nullable MeshStatus cached() {
    return cached;
  }

  /** The proxy was seen ready (by a wait): from now on, silence counts as a dead proxy. */
  public void sawReady() {
    seenReady = true;
  }

  /** The app's own ports, declared after the probe was built; {@code meshprobe.ports}, when set, wins over them. */
  public void declarePorts(List<Integer> ports) {
    declaredPorts = ports;
  }

  /** Takes a snapshot now (one at a time), caches and publishes it, unless the refresher closed or the thread was interrupted meanwhile. */
  public MeshStatus refresh() {
    MeshStatus s;
    @Nullable Boolean ready = null;
    long checkedAt = System.nanoTime();
    synchronized (refreshLock) {
      try {
        Detection d = detect.get();
        checkedAt = System.nanoTime();
        ReadinessCheck.Result r = d.type().hasSidecar() ? readiness.check(d) : null;
        StatusFetcher.Reading reading = fetcher().read(d, appPorts());
        s = reading.status;
        if (r != null) {
          if (r.answered || reading.answered) {
            silentReads = 0;
            ready = r.ready;
            if (r.ready) {
              seenReady = true;
            }
          } else {
            silentReads++;
            if (Derivation.unreachable(silentReads, seenReady)) {
              s = Derivation.withUnreachable(s, r.url + " (" + r.answer + ")", silentReads);
              ready = false;
            }
          }
        }
      } catch (RuntimeException e) {
        Log.warn("could not take the mesh status", e);
        s = Results.meshStatus(Results.proxyInfo(ProxyKind.NONE, "none", null, Tristate.UNKNOWN), Instant.now()).note("status failed: " + e).build();
      }
      if (closed || Thread.currentThread().isInterrupted()) {
        // Cut short by close(): what it read may be the effect of the shutdown itself (the proxy being quit).
        return s;
      }
      cached = s;
    }
    if (!closed) {
      sink.accept(s, ready, checkedAt);
    }
    return s;
  }

  private Derivation.AppPorts appPorts() {
    List<Integer> ports = configuredPorts.isEmpty() ? declaredPorts : configuredPorts;
    return new Derivation.AppPorts(ports, StatusFetcher.listenPorts());
  }

  /**
   * Starts the background refresh: a first snapshot at once, then one every period. Idempotent; does nothing once
   * closed or with a zero period.
   *
   * @return whether the background refresh runs
   */
  public boolean start() {
    if (interval.isZero()) {
      return false;
    }
    synchronized (lifecycleLock) {
      if (closed) {
        return false;
      }
      if (scheduler != null) {
        return true;
      }
      ScheduledExecutorService s =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "mesh-probe-status");
                t.setDaemon(true);
                t.setContextClassLoader(null); // not the app's loader: a container's leak check must not blame it
                return t;
              });
      scheduler = s;
      s.execute(this::tick);
    }
    Log.debug("refreshing the mesh status every " + Durations.format(interval));
    return true;
  }

  private void tick() {
    try {
      refresh();
    } catch (RuntimeException e) {
      Log.debug("status refresh failed: " + e);
    }
    long delay = interval.toMillis();
    synchronized (refreshLock) {
      if (silentReads == 1 && seenReady) {
        delay = Math.min(delay, CONFIRM_DELAY_MILLIS);
      }
    }
    synchronized (lifecycleLock) {
      ScheduledExecutorService s = scheduler;
      if (closed || s == null) {
        return;
      }
      try {
        s.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shutDown) {
        // closed meanwhile
      }
    }
  }

  /** Stops the background refresh and interrupts a read in flight; its snapshot is discarded. Idempotent. */
  @Override
  public void close() {
    ScheduledExecutorService s;
    synchronized (lifecycleLock) {
      closed = true;
      s = scheduler;
      scheduler = null;
    }
    if (s != null) {
      s.shutdownNow();
    }
  }
}
