package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import io.meshprobe.ProxyNotReadyException;
import io.meshprobe.QuitResult;
import io.meshprobe.QuitRule;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ExitCodeEvent;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.util.ClassUtils;

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

  /** {@code WebServer} of Boot 3.5 ({@code spring-boot}) and Boot 4 ({@code spring-boot-web-server}): same name. */
  private static final String WEB_SERVER = "org.springframework.boot.web.server.WebServer";
  /** The event's simple name on both generations (package {@code web.context} on 3.5, {@code web.server.context} on 4). */
  private static final String WEB_SERVER_INITIALIZED = "WebServerInitializedEvent";

  private final MeshProbe probe;
  private final boolean holdReadiness;
  /** Facts for the library's quit rule, completed by events; guarded by itself. */
  private final QuitRule.Facts.Builder facts;
  /** Whether the web servers' ports are declared to the probe: only when {@code meshprobe.ports} is not set. */
  private final boolean declareWebPorts;

  private @Nullable ApplicationContext context;
  private volatile boolean quitPending;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile boolean statusStarted;
  private volatile @Nullable CompletableFuture<WaitResult> watch;
  /** The first wait this runtime ran (block: before the refresh; otherwise in the background at start). */
  private volatile @Nullable WaitResult startupWait;
  /** Done when the proxy is ready, or there is none, or the wait timed out and fails open: readiness may be accepted. */
  private final CompletableFuture<@Nullable Void> settled = new CompletableFuture<>();
  /** Boot tried to accept traffic while the proxy was not ready, and was held back (parallel mode). */
  private volatile boolean heldBack;
  private final Set<Integer> webPorts = new ConcurrentSkipListSet<>();

  MeshProbeRuntime(
      MeshProbe probe,
      @Nullable ApplicationContext context,
      boolean holdReadiness,
      QuitRule.Facts.Builder facts,
      boolean declareWebPorts) {
    this.probe = probe;
    this.context = context;
    this.holdReadiness = holdReadiness;
    this.facts = facts;
    this.declareWebPorts = declareWebPorts;
  }

  /** A runtime for a context not started by SpringApplication: no wait, no readiness hold, no quit. */
  static MeshProbeRuntime detached(MeshProbe probe, boolean declareWebPorts) {
    return new MeshProbeRuntime(probe, null, false, QuitRule.Facts.builder().policy(QuitRule.Policy.NEVER), declareWebPorts);
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

  /** The start-up wait: the first one this runtime ran, kept after later background waits; {@code null} before it ended. */
  @Nullable WaitResult startupWait() {
    return startupWait;
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
    startupWait = result;
    settle();
    if (!isSettled(result)) {
      // Timed out and failing open: go on, and keep looking so that health turns UP once the proxy is there.
      rewait();
    }
  }

  /** Parallel, gate, off and detached: the start-up wait on a daemon thread; releases a readiness hold when done. */
  void watch() {
    started = true;
    if (closed) {
      return;
    }
    CompletableFuture<WaitResult> future;
    try {
      future = probe.awaitReadyAsync(probe.waitTimeout());
    } catch (IllegalStateException closedMeanwhile) {
      return; // the context closed between the check and the call
    }
    watch = future;
    future.whenComplete(this::afterStartupWait);
  }

  private void afterStartupWait(@Nullable WaitResult result, @Nullable Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    WaitResult r = result != null ? result : cause instanceof ProxyNotReadyException p ? p.result() : null;
    if (r != null && startupWait == null) {
      startupWait = r;
    }
    if (closed) {
      return;
    }
    if (r == null) {
      LOG.warn("mesh-probe: the background wait for the proxy failed; health keeps the last status", cause);
      return;
    }
    if (isSettled(r)) {
      settle();
      return;
    }
    if (r.outcome() == WaitOutcome.INTERRUPTED) {
      return;
    }
    if (result != null) {
      settle(); // TIMED_OUT with on-timeout=continue fails open; with fail (an exception) readiness stays held
    }
    rewait();
  }

  /**
   * The proxy was not ready in time: wait for it in the background, with no deadline and two log lines (when it starts,
   * when it ends), so that health, metrics and a held readiness follow once it is there.
   */
  private void rewait() {
    if (closed) {
      return;
    }
    CompletableFuture<WaitResult> future;
    try {
      future = probe.awaitReadyInBackground();
    } catch (IllegalStateException closedMeanwhile) {
      return;
    }
    watch = future;
    future.whenComplete(
        (result, error) -> {
          if (!closed && result != null && isSettled(result)) {
            settle();
          }
        });
  }

  private static boolean isSettled(WaitResult result) {
    return result.outcome() == WaitOutcome.READY || result.outcome() == WaitOutcome.NO_PROXY;
  }

  /** Readiness may be accepted; if Boot's ACCEPTING_TRAFFIC was held back, it is published now. */
  private void settle() {
    settled.complete(null);
    ApplicationContext c = context;
    if (heldBack && !closed && c != null) {
      heldBack = false;
      LOG.info("mesh-probe: readiness is ACCEPTING_TRAFFIC, the proxy is ready");
      AvailabilityChangeEvent.publish(c, this, ReadinessState.ACCEPTING_TRAFFIC);
    }
  }

  /** Starts the library's status refresh (liveness of the proxy, diagnosis), once the app's web servers are up. */
  private void startStatus() {
    if (!statusStarted && !closed) {
      statusStarted = true;
      probe.startStatusRefresh();
    }
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof ApplicationStartedEvent started) {
      if (holdReadiness && started.getApplicationContext() == context && !settled.isDone()) {
        // Say it explicitly: the app is started, the proxy is not ready, traffic is refused. And hold back the
        // ACCEPTING_TRAFFIC that SpringApplication publishes after ApplicationReadyEvent, without blocking its thread.
        AvailabilityChangeEvent.publish(started.getApplicationContext(), this, ReadinessState.REFUSING_TRAFFIC);
        started.getApplicationContext().addApplicationListener(new ReadinessGuard());
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
      if (refreshed.getApplicationContext() == context) {
        if (!started) {
          watch(); // detached: nobody waited, so look in the background
        }
        startStatus();
      }
    } else if (event instanceof ContextClosedEvent closedEvent) {
      if (closedEvent.getApplicationContext() == context) {
        onContextClosed();
      }
    } else if (isWebServerInitialized(event.getClass())) {
      onWebServerStarted(event);
    }
  }

  /**
   * Holds back SpringApplication's ACCEPTING_TRAFFIC while the proxy is not ready (parallel mode): publishes
   * REFUSING_TRAFFIC right after it, on the same thread; {@link #settle()} publishes ACCEPTING_TRAFFIC once the proxy is
   * ready. Added to the context after its refresh, so it is called after Boot's {@code ApplicationAvailabilityBean}
   * (listeners of equal order are called in the order they were added) and its REFUSING_TRAFFIC is the state recorded
   * last.
   */
  private final class ReadinessGuard implements ApplicationListener<AvailabilityChangeEvent<?>> {
    @Override
    public void onApplicationEvent(AvailabilityChangeEvent<?> event) {
      ApplicationContext c = context;
      if (event.getState() != ReadinessState.ACCEPTING_TRAFFIC || event.getSource() == MeshProbeRuntime.this || c == null || closed) {
        return;
      }
      heldBack = true;
      if (settled.isDone()) {
        heldBack = false;
        return;
      }
      LOG.info("mesh-probe: readiness stays REFUSING_TRAFFIC until the proxy is ready (meshprobe.wait.mode=parallel)");
      AvailabilityChangeEvent.publish(c, MeshProbeRuntime.this, ReadinessState.REFUSING_TRAFFIC);
      if (settled.isDone()) {
        settle(); // the proxy turned ready while we held it back: accept now
      }
    }
  }

  /** Whether {@code type} is Boot's {@code WebServerInitializedEvent} (its package differs between Boot 3.5 and 4). */
  static boolean isWebServerInitialized(Class<?> type) {
    for (Class<?> t = type; t != null && t != Object.class; t = t.getSuperclass()) {
      if (t.getSimpleName().equals(WEB_SERVER_INITIALIZED) && t.getName().startsWith("org.springframework.boot.web.")) {
        return true;
      }
    }
    return false;
  }

  /**
   * A web server (the app's, or the management server on its own port) started: its port is an app port. Read through
   * {@code getWebServer().getPort()} by reflection, since the event class moved package between Boot 3.5 and 4.
   */
  private void onWebServerStarted(ApplicationEvent event) {
    int port;
    try {
      Object server = event.getClass().getMethod("getWebServer").invoke(event);
      Class<?> api = ClassUtils.forName(WEB_SERVER, event.getClass().getClassLoader());
      port = (Integer) api.getMethod("getPort").invoke(server);
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      LOG.debug("mesh-probe: cannot read the web server's port: " + e);
      return;
    }
    if (port <= 0 || !webPorts.add(port) || !declareWebPorts || closed) {
      return;
    }
    probe.declareAppPorts(webPorts);
    LOG.debug("mesh-probe: the app's ports for the status: " + webPorts);
    if (statusStarted) {
      // A web server that started after the first snapshot (a management server in its child context): take a new one
      // now rather than at the next period.
      Thread t =
          new Thread(
              () -> {
                try {
                  probe.refreshStatus();
                } catch (IllegalStateException probeClosed) {
                  // the app went down meanwhile
                }
              },
              "mesh-probe-status-ports");
      t.setDaemon(true);
      t.start();
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
