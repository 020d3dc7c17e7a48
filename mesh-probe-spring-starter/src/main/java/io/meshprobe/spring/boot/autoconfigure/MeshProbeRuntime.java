package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import io.meshprobe.ProxyNotReadyException;
import io.meshprobe.QuitResult;
import io.meshprobe.QuitRule;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ExitCodeEvent;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.ContextRefreshedEvent;

/**
 * Owns the app's {@link MeshProbe} for the life of the JVM: the start-up wait, the background watch that keeps the
 * cached status current for health and metrics, the readiness hold of the {@code parallel} mode, and the quit when the
 * JVM goes down.
 *
 * <p>Two ways in. {@link MeshProbeStartupInitializer} creates it for every {@code SpringApplication} before the
 * context is refreshed ("attached": it may wait, hold readiness and quit). A context built some other way (a test's
 * {@code ApplicationContextRunner}, a plain {@code AnnotationConfigApplicationContext}) gets one from the
 * auto-configuration ("detached": status for health and metrics only).
 *
 * <p>The probe must outlive the context when a quit is pending, since the quit runs after every context has closed;
 * so the {@code MeshProbe} bean is declared without a destroy method and closed here.
 */
final class MeshProbeRuntime implements ApplicationListener<ApplicationEvent>, ApplicationContextAware, DisposableBean {
  static final String BEAN_NAME = "meshProbeRuntime";

  /**
   * Set by the mesh-probe agent when it is installed (to its version). The agent then owns the start-up wait and the
   * quit (it quits after every shutdown hook, Spring's included); the starter only reports.
   */
  static final String AGENT_PROPERTY = "meshprobe.agent.installed";

  /** Whether the agent is installed in this JVM: {@link #AGENT_PROPERTY} holds anything but empty or {@code false}. */
  static boolean agentInstalled() {
    String value = System.getProperty(AGENT_PROPERTY);
    return value != null && !value.trim().isEmpty() && !"false".equalsIgnoreCase(value.trim());
  }

  private static final Log LOG = LogFactory.getLog(MeshProbeRuntime.class);
  /** Shortest period between two background waits, should the wait timeout be tiny. */
  private static final long MIN_WATCH_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final MeshProbe probe;
  private final boolean holdReadiness;
  /** Facts for the library's quit rule, completed by events; guarded by itself. */
  private final QuitRule.Facts.Builder facts;

  private @Nullable ApplicationContext context;
  private volatile boolean quitPending;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile @Nullable CompletableFuture<WaitResult> watch;
  /** Done when the proxy is ready, or there is none, or the wait timed out and fails open: readiness may be accepted. */
  private final CompletableFuture<@Nullable Void> settled = new CompletableFuture<>();

  MeshProbeRuntime(MeshProbe probe, @Nullable ApplicationContext context, boolean holdReadiness, QuitRule.Facts.Builder facts) {
    this.probe = probe;
    this.context = context;
    this.holdReadiness = holdReadiness;
    this.facts = facts;
  }

  /** A runtime for a context not started by SpringApplication: no wait, no readiness hold, no quit. */
  static MeshProbeRuntime detached(MeshProbe probe) {
    return new MeshProbeRuntime(probe, null, false, QuitRule.Facts.builder().policy(QuitRule.Policy.NEVER));
  }

  MeshProbe probe() {
    return probe;
  }

  /** The facts as known now. */
  QuitRule.Facts facts() {
    synchronized (facts) {
      return facts.build();
    }
  }

  boolean quitPending() {
    return quitPending;
  }

  @Override
  public void setApplicationContext(ApplicationContext applicationContext) {
    if (context == null) {
      context = applicationContext;
    }
  }

  /** Block mode: waits on the calling thread (the one running SpringApplication), before the context refresh. */
  void awaitNow() {
    started = true;
    // Throws ProxyNotReadyException with meshprobe.wait.on-timeout=fail: SpringApplication reports it and fails.
    WaitResult result = probe.awaitReady();
    if (isSettled(result)) {
      settle();
    } else {
      // Timed out and failing open: go on, and keep looking so that health turns UP once the proxy is there.
      settle();
      watch();
    }
  }

  /** Waits on a daemon thread; releases a readiness hold when done. Again and again while the proxy is not ready. */
  void watch() {
    started = true;
    if (closed) {
      return;
    }
    long start = System.nanoTime();
    CompletableFuture<WaitResult> future;
    try {
      future = probe.awaitReadyAsync(probe.waitTimeout());
    } catch (IllegalStateException closedMeanwhile) {
      return; // the context closed between the check and the call
    }
    watch = future;
    future.whenComplete((result, error) -> afterWatch(result, error, start));
  }

  private void afterWatch(@Nullable WaitResult result, @Nullable Throwable error, long start) {
    if (closed) {
      return;
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (result != null) {
      if (isSettled(result)) {
        settle();
        return;
      }
      if (result.outcome() == WaitOutcome.INTERRUPTED) {
        return;
      }
      settle(); // TIMED_OUT with on-timeout=continue fails open
    } else if (!(cause instanceof ProxyNotReadyException)) {
      LOG.warn("mesh-probe: the background wait for the proxy failed; health keeps the last status", cause);
      return;
    }
    long pause = Math.max(0, MIN_WATCH_PERIOD_NANOS - (System.nanoTime() - start));
    CompletableFuture.delayedExecutor(pause, TimeUnit.NANOSECONDS).execute(this::watch);
  }

  private static boolean isSettled(WaitResult result) {
    return result.outcome() == WaitOutcome.READY || result.outcome() == WaitOutcome.NO_PROXY;
  }

  private void settle() {
    settled.complete(null);
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof ApplicationStartedEvent started) {
      if (holdReadiness && started.getApplicationContext() == context && !settled.isDone()) {
        // Say it explicitly: the app is started, the proxy is not ready, traffic is refused.
        AvailabilityChangeEvent.publish(started.getApplicationContext(), this, ReadinessState.REFUSING_TRAFFIC);
      }
    } else if (event instanceof ApplicationReadyEvent ready) {
      if (holdReadiness && ready.getApplicationContext() == context) {
        holdReadiness();
      }
    } else if (event instanceof ApplicationFailedEvent) {
      synchronized (facts) {
        facts.startupFailed(true);
      }
    } else if (event instanceof ExitCodeEvent exit) {
      if (exit.getExitCode() != 0) {
        synchronized (facts) {
          facts.failed(true);
        }
      }
    } else if (event instanceof ContextRefreshedEvent refreshed) {
      if (refreshed.getApplicationContext() == context && !started) {
        watch(); // detached: nobody waited, so look in the background
      }
    } else if (event instanceof ContextClosedEvent closedEvent) {
      if (closedEvent.getApplicationContext() == context) {
        onContextClosed();
      }
    }
  }

  /**
   * Parallel mode. SpringApplication publishes ACCEPTING_TRAFFIC right after ApplicationReadyEvent, on the same thread.
   * Holding that thread here until the proxy is ready keeps the readiness state at REFUSING_TRAFFIC with no gap, the
   * context, the web server and the runners having started in parallel with the proxy. A timed-out wait releases it
   * (on-timeout=continue); with on-timeout=fail it stays held while the background wait goes on.
   */
  private void holdReadiness() {
    if (settled.isDone()) {
      return;
    }
    LOG.info("mesh-probe: readiness stays REFUSING_TRAFFIC until the proxy is ready");
    try {
      settled.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // not completed exceptionally
    }
  }

  private void onContextClosed() {
    closed = true;
    CompletableFuture<WaitResult> w = watch;
    if (w != null) {
      w.cancel(true);
    }
    settled.complete(null); // releases a held readiness: the app is going down anyway
    if (!quitPending) {
      probe.close();
    }
  }

  /** Registered with SpringApplicationShutdownHandlers: runs once every context is closed, the web server drained. */
  void markQuitPending() {
    quitPending = true;
  }

  /** The shutdown handler: decide, quit if so, release the probe. Never throws, never changes the exit code. */
  void onJvmShutdown() {
    try {
      QuitRule.Facts known;
      synchronized (facts) {
        known = facts.signal(TerminationSignals.received()).signalsObservable(TerminationSignals.observable()).build();
      }
      QuitRule.Decision decision = QuitRule.decide(known);
      if (decision.quit()) {
        QuitResult result = probe.quitProxy();
        // Logged here too: JUL (the library's logger) is reset by its own shutdown hook, concurrently with this one.
        LOG.info("mesh-probe: asked the proxy to quit, " + decision.reason() + ": " + result.outcome() + ", " + result.message());
      } else {
        LOG.info("mesh-probe: not quitting the proxy, " + decision.reason());
      }
    } catch (RuntimeException e) {
      LOG.warn("mesh-probe: the quit failed: " + e);
    } finally {
      closed = true;
      probe.close();
    }
  }

  @Override
  public void destroy() {
    onContextClosed();
  }

}
