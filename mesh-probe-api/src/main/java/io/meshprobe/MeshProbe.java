package io.meshprobe;

import io.meshprobe.internal.AdminHttp;
import io.meshprobe.internal.Detector;
import io.meshprobe.internal.Durations;
import io.meshprobe.internal.Log;
import io.meshprobe.internal.MeshProbeKey;
import io.meshprobe.internal.Fanout;
import io.meshprobe.internal.NodeInfoCompleter;
import io.meshprobe.internal.ProbeConfig;
import io.meshprobe.internal.Quitter;
import io.meshprobe.internal.ReadinessCheck;
import io.meshprobe.internal.Settings;
import io.meshprobe.internal.status.QuitPreflight;
import io.meshprobe.internal.status.StatusRefresher;
import io.meshprobe.status.MeshStatus;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Finds the pod's service-mesh proxy, waits until it is ready, and asks it to quit when the app is done.
 *
 * <h2>Use</h2>
 *
 * <pre>{@code
 * try (MeshProbe probe = MeshProbe.create()) {
 *   probe.awaitReady();          // before the first outbound call
 *   runTheJob();
 *   probe.quitProxy();           // so the Job's pod can complete
 * }
 * }</pre>
 *
 * <h2>Failure is a value</h2>
 *
 * No proxy, a timeout or a disabled quit endpoint are outcomes ({@link WaitResult}, {@link QuitResult}) with a
 * one-line message, never exceptions. The one exception is opt-in: with {@code meshprobe.wait.on-timeout=fail}
 * a timed-out wait throws {@link ProxyNotReadyException}. Every call to the proxy has a deadline and a body cap.
 *
 * <h2>Configuration</h2>
 *
 * A value set on the {@link Builder} wins; then the system property {@code meshprobe.*}; then the environment
 * variable {@code MESHPROBE_*} (upper case, {@code .} and {@code -} become {@code _}); then the default. The keys
 * are listed in the README.
 *
 * <h2>Threads</h2>
 *
 * Thread-safe: every method may be called from any thread, also concurrently. One probe per app is enough. No lock of
 * the probe's is held across a call to the proxy or a call to a listener.
 *
 * <ul>
 *   <li><b>Blocking</b>, on the calling thread, each for at most its deadline: {@link #awaitReady()} (its timeout, the
 *       detection included), {@link #detect()} (the detection window, and only inside Kubernetes with no pod annotations
 *       to read), {@link #quitProxy()} ({@code meshprobe.quit.timeout}), {@link #refreshStatus()} (a detection, then
 *       one status read of at most five times {@code meshprobe.http.timeout}).
 *   <li><b>Shared work</b>: one detection runs at a time; a concurrent caller waits for its verdict until its own
 *       deadline, then takes one quick look of its own. One quit per probe; a concurrent caller waits for the first
 *       one's result within its own deadline (else {@link QuitOutcome#FAILED}), and later calls return it. One status
 *       read runs at a time.
 *   <li><b>Never blocking on I/O</b>: the getters ({@link #isReady()}, {@link #status()}, {@link #lastWait()},
 *       {@link #lastDetection()}, {@link #lastQuit()}, {@link #waitTimeout()}), which make no call, so gauges and health
 *       checks may call them freely; {@link #addListener}, {@link #removeListener}, {@link #declareAppPorts};
 *       {@link #startStatusRefresh()}, {@link #awaitReadyAsync} and {@link #awaitReadyInBackground()}, which start a
 *       thread and return.
 *   <li><b>The probe's own threads</b>, all daemon threads: {@code mesh-probe-wait} (one per {@link #awaitReadyAsync}
 *       or {@link #awaitReadyInBackground()}), {@code mesh-probe-wait-tail} (one per wait that reaches the proxy,
 *       started while the proxy is not ready yet: it reads Istio's node metadata from the moment the wait detects the
 *       sidecar, then blocks, without waking up, until the wait ends; then it closes the poll's connection and, once
 *       the proxy is ready, runs the quit preflight, and ends) and {@code mesh-probe-status} (the background status
 *       refresh, only after {@link #startStatusRefresh()}). So the caller of a wait that sees the proxy ready does
 *       only what it needs before it returns: it publishes the result, logs the line and calls the listeners' {@link
 *       MeshProbeListener#onWaitFinished}.
 *   <li><b>{@link #close()}</b> blocks on nothing and is idempotent. It stops the status refresh (start and stop take
 *       one lock, so a {@code startStatusRefresh()} racing {@code close()} never leaves a refresh running) and
 *       discards a status read still in flight (neither cached nor told to listeners); it interrupts the probe's own
 *       threads (their waits end {@link WaitOutcome#INTERRUPTED}, a wait tail asks nothing more); and it makes
 *       a wait in progress on another thread end within one poll ({@link WaitOutcome#INTERRUPTED}). A call to the proxy
 *       already under way is not cut: it ends by its own deadline ({@code meshprobe.http.timeout}). After
 *       {@code close()} the operations throw {@link IllegalStateException}; the getters keep answering with the last
 *       values (a last metrics flush reads them).
 *   <li><b>Interrupts</b>: a wait whose thread is interrupted ends {@link WaitOutcome#INTERRUPTED}, and a detection
 *       interrupted gives an uncertain "no mesh" that is not kept; the thread's interrupt flag stays set. A status
 *       read on an interrupted thread is returned to its caller but neither cached nor told to listeners: it may be
 *       the effect of the shutdown that interrupted it.
 *   <li><b>Listeners</b> are called on the thread that produced the event, after the probe released its locks; one
 *       that throws is logged once and ignored (see {@link MeshProbeListener}).
 * </ul>
 */
public final class MeshProbe implements AutoCloseable {
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Longest poll period of {@link #awaitReadyInBackground()}. */
  private static final long BACKGROUND_POLL_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Builder builder;
  private final ProbeConfig config;
  private final AdminHttp http;
  private final Detector detector;
  private final ReadinessCheck readiness;
  private final Quitter quitter;
  private final StatusRefresher status;
  private final boolean quitPreflight;
  private final Fanout<MeshProbeListener> listeners = new Fanout<>();
  private final NodeInfoCompleter nodeInfo;
  /** The probe's own running threads (async waits, wait tails), interrupted by {@link #close()}. */
  private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();
  private final Object detectLock = new Object();
  /** The detection in flight, shared by every caller that needs the verdict meanwhile. */
  private final AtomicReference<CompletableFuture<Detection>> detecting = new AtomicReference<>();
  /** The first quit, whose result every later or concurrent call returns. */
  private final AtomicReference<CompletableFuture<QuitResult>> quitting = new AtomicReference<>();

  private volatile @Nullable Detection detection;
  /** Whether the Istio node metadata (version, native sidecar) was read from the proxy or the pod annotations. */
  private volatile boolean nodeKnown;
  private volatile boolean ready;
  /** {@link System#nanoTime()} of the readiness check behind {@link #ready}; guarded by {@link #readyLock}. */
  private long readyObservedAt = System.nanoTime();
  private final Object readyLock = new Object();
  private volatile @Nullable WaitResult lastWait;
  private volatile @Nullable QuitResult quitResult;
  private volatile boolean closed;

  private MeshProbe(Builder builder, ProbeConfig config) {
    this.builder = builder;
    this.config = config;
    this.http = new AdminHttp(config.httpTimeout, config.maxBody, adminHosts(config));
    this.detector = new Detector(config, http);
    this.readiness = new ReadinessCheck(config, http);
    this.quitter = new Quitter(config, http);
    StatusHooks hooks = new StatusHooks();
    this.status = new StatusRefresher(config, http, hooks, hooks, hooks);
    this.nodeInfo = new NodeInfoCompleter(config, http, new NodeVerdict());
    this.quitPreflight = config.enabled && config.quitPreflight;
    if (builder.listener != null) {
      listeners.add(builder.listener);
    }
  }

  /** A probe configured from system properties, environment variables and defaults. */
  public static MeshProbe create() {
    return builder().build();
  }

  /** A builder with nothing set: every value comes from system properties, environment variables or defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding the values this probe was built with in code, to build a similar probe. */
  public Builder newBuilder() {
    return new Builder(builder);
  }

  /**
   * Detects the pod's mesh. Blocks at most for the detection window ({@code meshprobe.detect.window}), and only
   * inside Kubernetes with no pod annotations to read. The verdict is kept: later calls return it at once (with
   * the version and native-sidecar flag filled in once the proxy has told them).
   */
  public Detection detect() {
    checkOpen();
    return detectNow();
  }

  /** {@link #detect()} without the open check: the status thread may still be finishing a read while the probe closes. */
  private Detection detectNow() {
    try {
      // Outside Kubernetes there is no window: one round, as documented (an Envoy admin API that answered but could
      // not be read is then an uncertain ENVOY at once, not a wait).
      return detect(System.nanoTime() + (config.inKubernetes ? config.detectWindow.toNanos() : 0));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Detection.builder(MeshType.NONE, "detection interrupted").certain(false).build();
    }
  }

  /**
   * The verdict, detecting it if needed. One detection runs at a time, shared through a future: another caller waits
   * for it until its own deadline, and then takes one look of its own (not kept) instead of waiting longer. No lock is
   * held across the detection's I/O, so a quit never spends its deadline behind another thread's detection window.
   */
  private Detection detect(long deadlineNanos) throws InterruptedException {
    Detection d = detection;
    if (d != null) {
      return d;
    }
    CompletableFuture<Detection> mine = new CompletableFuture<>();
    while (!detecting.compareAndSet(null, mine)) {
      CompletableFuture<Detection> running = detecting.get();
      if (running == null) {
        continue;
      }
      try {
        return running.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        d = detection;
        return d != null ? d : detector.detect(System.nanoTime());
      }
    }
    try {
      d = detection;
      boolean fresh = false;
      if (d == null) {
        d = detector.detect(deadlineNanos);
        synchronized (detectLock) {
          fresh = detection == null;
          if (fresh) {
            nodeKnown = d.type() != MeshType.ISTIO_SIDECAR || d.sourceKind() == Detection.Source.POD_ANNOTATION || d.version() != null;
            detection = d;
          } else {
            d = detection;
          }
        }
      }
      mine.complete(d); // before the listeners: a caller waiting for the verdict does not wait for them too
      if (fresh) {
        Log.debug("detected " + d);
        fireDetected(d);
      }
      return d;
    } catch (InterruptedException | RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      detecting.compareAndSet(mine, null);
    }
  }

  /** Waits for the proxy with {@code meshprobe.wait.timeout} (default 60 s). See {@link #awaitReady(Duration)}. */
  public WaitResult awaitReady() {
    return awaitReady(config.waitTimeout);
  }

  /**
   * Blocks until the pod's proxy is ready, there turns out to be none, or {@code timeout} has passed (detection
   * included). Polls every {@code meshprobe.wait.interval} (8 ms) for the first 2 s, when a proxy started with the pod
   * turns ready, so the caller is released within a few ms of it; then less often as the wait goes on, up to 12.5
   * intervals from about 6.4 s (see {@link Builder#waitInterval}). Once the proxy answers ready, the calling thread
   * only publishes the result, logs its line and calls the listeners before it returns. Logs one line when the wait
   * starts, at most one every 5 s while it lasts, and one at the end.
   *
   * @throws ProxyNotReadyException only when configured to fail closed ({@code meshprobe.wait.on-timeout=fail})
   *     and the proxy was not ready in time
   */
  public WaitResult awaitReady(Duration timeout) {
    checkOpen();
    Objects.requireNonNull(timeout, "timeout");
    return await(timeout, false);
  }

  /**
   * @param background no deadline, quiet and patient: one log line when it starts, one when it ends, none in between;
   *     the poll period doubles from {@code meshprobe.wait.interval} up to {@link #BACKGROUND_POLL_MAX_NANOS}
   */
  private WaitResult await(Duration timeout, boolean background) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    Detection d = null;
    ReadinessCheck.Result last = null;
    @Nullable WaitTail tail = null;
    boolean tailTried = false;
    boolean readyAtEnd = false;
    try {
      d = detect(background ? System.nanoTime() + config.detectWindow.toNanos() : deadline);
      if (!d.type().hasSidecar()) {
        return finish(new WaitResult(WaitOutcome.NO_PROXY, since(start), d, null, null));
      }
      if (background) {
        Log.info("waiting in the background, with no deadline, for the " + d + " at " + readiness.primaryUrl(d));
      } else {
        Log.info("waiting up to " + Durations.format(timeout) + " for the " + d + " at " + readiness.primaryUrl(d));
      }
      fireWaiting(d, since(start), null);
      // Istio's node metadata (whether the proxy is a native sidecar, which the quit needs) is read while the wait
      // polls: Envoy's admin answers /server_info from its bootstrap on, before it turns ready. A JVM that ends soon
      // after the wait then does not read it at exit, and a read that fails this early is retried once ready.
      if (d.type() == MeshType.ISTIO_SIDECAR && !nodeKnown) {
        tail = startWaitTail(true);
        tailTried = true;
      }
      long nextLog = start + LOG_EVERY_NANOS;
      long nextProgress = start + PROGRESS_EVERY_NANOS;
      long interval = config.waitInterval.toNanos();
      while (true) {
        if (d.type() == MeshType.ENVOY && d.adminUrl() == null) {
          d = findEnvoyAdmin(d);
        }
        long checkedAt = System.nanoTime();
        last = readiness.check(d);
        if (last.ready) {
          // The caller's path from here: publish the result, log its line, tell the listeners. Closing the poll's
          // kept-alive connection, the node metadata and the quit preflight are the wait tail's (see WaitTail).
          observeReady(true, checkedAt);
          status.sawReady();
          readyAtEnd = true;
          return finish(new WaitResult(WaitOutcome.READY, since(start), detection(d), last.url, last.answer));
        }
        long now = System.nanoTime();
        if (closed) {
          return finish(
              new WaitResult(WaitOutcome.INTERRUPTED, since(start), detection(d), last.url, "the probe was closed; last: " + last.answer));
        }
        if (now - deadline >= 0) {
          return finish(new WaitResult(WaitOutcome.TIMED_OUT, since(start), detection(d), last.url, last.answer));
        }
        if (!background && now - nextLog >= 0) {
          Log.info("still waiting for the " + d.mesh() + " proxy after " + Durations.format(since(start)) + " (last: " + last.answer + ")");
          nextLog += LOG_EVERY_NANOS;
        }
        if (now - nextProgress >= 0) {
          fireWaiting(d, since(start), last.answer);
          nextProgress += PROGRESS_EVERY_NANOS;
        }
        if (!tailTried) {
          // Started while the proxy is not ready yet, so that the ready path starts no thread.
          tailTried = true;
          if (tail == null) {
            tail = startWaitTail(false);
          }
        }
        long pause = ReadinessCheck.pause(interval, now - start, last.refused);
        if (background) {
          interval = Math.min(BACKGROUND_POLL_MAX_NANOS, interval * 2);
        }
        TimeUnit.NANOSECONDS.sleep(Math.min(pause, deadline - now));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Detection known = d != null ? d : Detection.builder(MeshType.NONE, "interrupted during detection").certain(false).build();
      return finish(
          new WaitResult(WaitOutcome.INTERRUPTED, since(start), known, last == null ? null : last.url, last == null ? null : last.answer));
    } finally {
      // After the result is published and the listeners have heard it: hands the rest to the wait's tail thread.
      endWait(tail, readyAtEnd);
    }
  }

  /**
   * Ends a wait's tail: wakes the tail thread, which closes the poll's kept-alive connection and, once ready, reads
   * what is still missing of the node metadata and runs the quit preflight. A wait that had no tail yet (the proxy
   * answered its first poll) starts one here; one that ended otherwise before its first pause closes the connection
   * itself.
   */
  private void endWait(@Nullable WaitTail tail, boolean ready) {
    if (tail == null && ready && !closed) {
      tail = startWaitTail(false);
    }
    if (tail == null) {
      http.closeIdle(); // no proxy, ended before its first pause, or no thread to be had: nothing else to do
      return;
    }
    tail.end(ready);
  }

  /**
   * Starts a wait's tail thread; with {@code nodeInfoNow}, it reads Istio's node metadata while the wait polls. Null
   * when no thread could be started (out of memory or of threads): the wait goes on without one, and its caller then
   * closes the poll's connection itself.
   */
  private @Nullable WaitTail startWaitTail(boolean nodeInfoNow) {
    WaitTail tail = new WaitTail(nodeInfoNow);
    ThreadFactory factory = builder.threads;
    Thread t = factory != null ? factory.newThread(tail) : new Thread(tail);
    t.setName(WaitTail.THREAD_NAME);
    t.setDaemon(true);
    // A thread of the probe's own: not the caller's class loader (a container's leak check must not blame the app).
    t.setContextClassLoader(null);
    try {
      startOwn(t);
    } catch (OutOfMemoryError e) {
      ownThreads.remove(t);
      quietly(e);
      return null;
    }
    return tail;
  }

  /**
   * The work of a wait that its caller does not need: one daemon thread per wait ({@value #THREAD_NAME}), started
   * while the proxy is not ready yet (at once for Istio, whose node metadata it reads while the wait polls; else
   * before the wait's first pause). It then blocks, with no timeout and no periodic wake-up, until the wait ends; then
   * it closes the poll's kept-alive connection, and when the proxy turned ready it reads the node metadata if still
   * missing and runs the quit preflight (closing its connections too), and ends. So the caller of a wait that sees
   * the 200 starts no thread and closes no socket (each costs up to a few ms on a small VM): it publishes the result,
   * logs its line and tells the listeners, and returns. {@link #close()} interrupts it: it then asks the proxy nothing
   * more.
   */
  private final class WaitTail implements Runnable {
    static final String THREAD_NAME = "mesh-probe-wait-tail";
    private final boolean nodeInfoNow;
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean ready;

    WaitTail(boolean nodeInfoNow) {
      this.nodeInfoNow = nodeInfoNow;
    }

    /** Called once by the wait when it ends; never blocks. */
    void end(boolean readyAtEnd) {
      ready = readyAtEnd;
      ended.countDown();
    }

    @Override
    public void run() {
      try {
        preloadReadyPath();
        if (nodeInfoNow) {
          completeNodeInfo();
        }
        ended.await();
        http.closeIdle(); // the poll's kept-alive connection
        if (ready && !Thread.currentThread().isInterrupted()) {
          completeNodeInfo(); // an early read that failed is retried once ready; else nothing to read
          if (quitPreflight && !Thread.currentThread().isInterrupted()) {
            quitPreflight();
            http.closeIdle(); // and the preflight's
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // closed: close() closes the connections itself
      } catch (Throwable e) {
        // Never a stack trace of our own in the app's output (OutOfMemoryError included): one debug line at most.
        quietly(e);
      } finally {
        ownThreads.remove(Thread.currentThread());
      }
    }

    /**
     * Loads the classes the caller's ready path needs and has not used yet (the result, its outcome, its message's
     * switch), here while the proxy is not ready: a cold JVM, e.g. the agent's, reads each one from the jar at its
     * first use.
     */
    private void preloadReadyPath() {
      Detection d = detection;
      if (d != null) {
        new WaitResult(WaitOutcome.READY, Duration.ZERO, d, null, null).message();
      }
    }

    private void completeNodeInfo() {
      Detection completed = nodeInfo.complete();
      if (completed != null) {
        fireDetected(completed);
      }
    }
  }

  /**
   * Waits on a daemon thread of its own and completes the future with the result. Cancelling the future
   * interrupts the wait. With {@code meshprobe.wait.on-timeout=fail} a timeout completes it exceptionally with
   * {@link ProxyNotReadyException}.
   */
  public CompletableFuture<WaitResult> awaitReadyAsync(final Duration timeout) {
    checkOpen();
    Objects.requireNonNull(timeout, "timeout");
    return waitOnOwnThread(() -> awaitReady(timeout));
  }

  /** Runs {@code wait} on a daemon thread of the probe's own; cancelling the future interrupts it. */
  private CompletableFuture<WaitResult> waitOnOwnThread(Callable<WaitResult> wait) {
    final CompletableFuture<WaitResult> future = new CompletableFuture<>();
    final Thread waiter =
        new Thread(
            () -> {
              try {
                future.complete(wait.call());
              } catch (Throwable t) {
                future.completeExceptionally(t);
              } finally {
                ownThreads.remove(Thread.currentThread());
              }
            },
            "mesh-probe-wait");
    waiter.setDaemon(true);
    // A thread of the probe's own: not the caller's class loader (a container's leak check must not blame the app).
    waiter.setContextClassLoader(null);
    future.whenComplete(
        (r, t) -> {
          if (future.isCancelled()) {
            waiter.interrupt();
          }
        });
    startOwn(waiter);
    return future;
  }

  /**
   * Waits for the proxy with no deadline, on a daemon thread of its own ({@code mesh-probe-wait}), for an app that
   * started without it: logs one line when the wait starts and one when it ends, nothing in between, and polls less
   * often as time goes by (from {@code meshprobe.wait.interval} up to once a second). The future completes with
   * {@link WaitOutcome#READY} or {@link WaitOutcome#NO_PROXY}, or {@link WaitOutcome#INTERRUPTED} when it is cancelled
   * or the probe is closed; it never times out and never throws {@link ProxyNotReadyException}.
   */
  public CompletableFuture<WaitResult> awaitReadyInBackground() {
    checkOpen();
    return waitOnOwnThread(() -> await(Duration.ofNanos(Long.MAX_VALUE / 4), true));
  }

  /**
   * Whether the proxy was last seen ready, by the latest wait or the latest status snapshot; no call is made. With the
   * status refresh running ({@link #startStatusRefresh()}), it follows the proxy after the wait: it turns
   * {@code false} when the proxy stops answering (finding {@code proxy-unreachable}) and {@code true} again when it
   * is back, or when it turned ready after a timed-out wait. {@code false} before any wait and after a quit.
   */
  public boolean isReady() {
    return ready;
  }

  /** The latest verdict, or {@code null} before the first {@link #detect()} or wait. Makes no call. */
  public @Nullable Detection lastDetection() {
    return detection;
  }

  /** The result of the latest wait, or {@code null} if there was none. */
  public @Nullable WaitResult lastWait() {
    return lastWait;
  }

  /** The result of {@link #quitProxy()}, or {@code null} if it was not called. */
  public @Nullable QuitResult lastQuit() {
    return quitResult;
  }

  /** For {@link QuitRule#facts}: where this probe's system properties and environment come from. */
  Settings.Source settingsSource() {
    return builder.source;
  }

  /** The admin client; for tests of what the wait leaves open. */
  AdminHttp http() {
    return http;
  }

  /** The resolved configuration; for tests of the builder. */
  ProbeConfig config() {
    return config;
  }

  /** For {@link QuitRule#facts}: the Downward API directory in force. */
  Path podInfoDir() {
    return config.podInfoDir;
  }

  /** The wait timeout in force ({@code meshprobe.wait.timeout}). */
  public Duration waitTimeout() {
    return config.waitTimeout;
  }

  /**
   * Asks the pod's proxy to exit, so that a Job's pod can complete. Bounded by {@code meshprobe.quit.timeout}
   * (default 2 s) and idempotent: later calls return the first result. Skipped, with the reason, when there is
   * no proxy, in ambient mode, and for native sidecars.
   */
  public QuitResult quitProxy() {
    checkOpen();
    long deadline = System.nanoTime() + config.quitTimeout.toNanos();
    QuitResult done = quitResult;
    if (done != null) {
      return done;
    }
    // No lock across the HTTP calls: the first caller quits, a concurrent one waits for its result within its own deadline.
    CompletableFuture<QuitResult> mine = new CompletableFuture<>();
    if (!quitting.compareAndSet(null, mine)) {
      return awaitOtherQuit(quitting.get(), deadline);
    }
    QuitResult result;
    try {
      result = quitNow(deadline);
      mine.complete(result);
    } catch (RuntimeException | Error e) {
      mine.completeExceptionally(e);
      throw e;
    }
    // After the future completed: a concurrent quitProxy() has its answer without waiting for the listeners.
    listeners.fire("onQuit", new Event(Event.QUIT, result, null, null));
    return result;
  }

  private static QuitResult awaitOtherQuit(CompletableFuture<QuitResult> first, long deadline) {
    try {
      return first.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      return new QuitResult(QuitOutcome.FAILED, "another thread's quit was still running after meshprobe.quit.timeout");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new QuitResult(QuitOutcome.FAILED, "interrupted while another thread quit the proxy");
    } catch (ExecutionException e) {
      return new QuitResult(QuitOutcome.FAILED, "another thread's quit failed: " + e.getCause());
    }
  }

  private QuitResult quitNow(long deadline) {
    Detection d;
    try {
      // Never detected (no wait ran): one quick look, no window. A detection in flight elsewhere is not waited for.
      d = detect(System.nanoTime());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      d = Detection.builder(MeshType.NONE, "interrupted").certain(false).build();
    }
    if (d.type() == MeshType.ISTIO_SIDECAR && !nodeKnown) {
      // Whether it is a native sidecar decides whether to quit it at all.
      Detection completed = nodeInfo.complete(deadline);
      if (completed != null) {
        fireDetected(completed);
      }
      d = detection(d);
    }
    QuitResult result = quitter.quit(d, deadline);
    if (result.outcome() == QuitOutcome.SUCCESS) {
      ready = false;
    }
    if (result.outcome() == QuitOutcome.SUCCESS || result.outcome() == QuitOutcome.SKIPPED) {
      Log.info("quit: " + result.message());
    } else {
      Log.warn("quit " + result.outcome().name().toLowerCase(Locale.ROOT) + ": " + result.message());
    }
    quitResult = result;
    return result;
  }

  /**
   * The latest mesh status snapshot (mTLS mode, identity and certificate, port table, findings), or {@code null}
   * before the first one is taken. Makes no call to the proxy and starts nothing; snapshots come from
   * {@link #refreshStatus()} and from the background refresh of {@link #startStatusRefresh()}. After {@link #close()}
   * it still returns the last snapshot.
   */
  public @Nullable MeshStatus status() {
    return status.cached();
  }

  /**
   * Starts the background status refresh: a first snapshot at once, then one every {@code meshprobe.status.refresh}
   * (default 30 s), on the daemon thread {@code mesh-probe-status}. Each refresh also checks the proxy's readiness, so
   * {@link #isReady()} follows it and a proxy that stops answering is reported ({@code proxy-unreachable}). Idempotent;
   * {@link #close()} stops it.
   *
   * @return whether the refresh runs: false when {@code meshprobe.status.refresh} is zero or the probe is closed
   */
  public boolean startStatusRefresh() {
    return !closed && status.start();
  }

  /** Takes a status snapshot now: detects the mesh (bounded by the detection window) and reads the proxy. */
  public MeshStatus refreshStatus() {
    checkOpen();
    return status.refresh();
  }

  /**
   * Declares the app's own inbound ports once they are known, e.g. a web server's port after it started (the probe
   * may be built before). The status port table lists them, unless {@code meshprobe.ports} is configured, which wins.
   * Replaces the ports declared before; {@code null} or an empty collection forgets them. Takes effect at the next
   * status snapshot.
   *
   * @throws IllegalArgumentException if a port is not between 1 and 65535
   */
  public void declareAppPorts(@Nullable Collection<Integer> ports) {
    TreeSet<Integer> sorted = new TreeSet<>();
    if (ports != null) {
      for (Integer p : ports) {
        if (p == null || p <= 0 || p > 65535) {
          throw new IllegalArgumentException("ports must be between 1 and 65535, but got " + p);
        }
        sorted.add(p);
      }
    }
    status.declarePorts(Collections.unmodifiableList(new ArrayList<>(sorted)));
  }

  /** A snapshot from the refresher: readiness follows it (never after a successful quit), then the listeners hear of it. */
  private void onStatus(MeshStatus snapshot, @Nullable Boolean readyNow, long checkedAt) {
    QuitResult quit = quitResult;
    if (readyNow != null && !closed && (quit == null || quit.outcome() != QuitOutcome.SUCCESS)) {
      observeReady(readyNow, checkedAt);
    }
    listeners.fire("onStatus", new Event(Event.STATUS, snapshot, null, null));
  }

  /**
   * Records what a readiness check made at {@code checkedAt} saw, unless a later check (the wait's or a refresh's)
   * already told: a slow status read must not undo what a wait saw after it asked.
   */
  private void observeReady(boolean value, long checkedAt) {
    synchronized (readyLock) {
      if (checkedAt - readyObservedAt >= 0) {
        ready = value;
        readyObservedAt = checkedAt;
      }
    }
  }

  /** Adds a listener for detection, wait, quit and status events (see {@link MeshProbeListener} for the threads). */
  public void addListener(MeshProbeListener listener) {
    listeners.add(listener);
  }

  public void removeListener(MeshProbeListener listener) {
    listeners.remove(listener);
  }

  /**
   * Releases the probe's connections and threads: stops the status refresh (a read in flight is discarded), interrupts
   * the probe's own threads (async waits end {@link WaitOutcome#INTERRUPTED}), and makes a wait in progress on another
   * thread end within one poll. Does not quit the proxy. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    status.close();
    for (Thread t : ownThreads) {
      t.interrupt();
    }
    http.close();
  }

  /** Starts one of the probe's own threads, so that {@link #close()} can interrupt it. */
  private void startOwn(Thread t) {
    ownThreads.add(t);
    t.start();
    if (closed) {
      t.interrupt(); // closed between the caller's check and here
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this MeshProbe is closed");
    }
  }

  private Detection detection(Detection fallback) {
    Detection d = detection;
    return d != null ? d : fallback;
  }

  /**
   * Publishes a wait's result, logs its line and tells the listeners; all the caller of a wait still does once the wait
   * is decided (see {@link WaitTail} for the rest). No switch on an enum here (its synthetic class would load on the
   * ready path) and no lambda.
   */
  private WaitResult finish(WaitResult result) {
    lastWait = result;
    WaitOutcome outcome = result.outcome();
    if (outcome == WaitOutcome.READY || outcome == WaitOutcome.NO_PROXY) {
      Log.info(result.message());
    } else {
      Log.warn(
          result.message()
              + (outcome == WaitOutcome.TIMED_OUT && !config.failOnTimeout
                  ? "; continuing without it (meshprobe.wait.on-timeout=continue)"
                  : ""));
    }
    listeners.fire("onWaitFinished", new Event(Event.WAIT_FINISHED, result, null, null));
    if (outcome == WaitOutcome.TIMED_OUT && config.failOnTimeout) {
      throw new ProxyNotReadyException(result);
    }
    return result;
  }

  private void fireWaiting(Detection d, Duration waited, @Nullable String lastAnswer) {
    listeners.fire("onWaiting", new Event(Event.WAITING, d, waited, lastAnswer));
  }

  private void fireDetected(Detection d) {
    listeners.fire("onDetected", new Event(Event.DETECTED, d, null, null));
  }

  /**
   * One listener event. One named class for every kind rather than a lambda each: a lambda spins a class at its first
   * use (a few ms in a cold JVM, e.g. in the agent's premain), and this one is loaded by the first event of a wait
   * (its start), so telling the listeners that the wait ended loads nothing.
   */
  private static final class Event implements Fanout.Event<MeshProbeListener> {
    static final int DETECTED = 0;
    static final int WAITING = 1;
    static final int WAIT_FINISHED = 2;
    static final int QUIT = 3;
    static final int STATUS = 4;
    private final int kind;
    private final Object value;
    private final @Nullable Duration waited;
    private final @Nullable String lastAnswer;

    Event(int kind, Object value, @Nullable Duration waited, @Nullable String lastAnswer) {
      this.kind = kind;
      this.value = value;
      this.waited = waited;
      this.lastAnswer = lastAnswer;
    }

    @Override
    public void deliver(MeshProbeListener l) {
      switch (kind) {
        case DETECTED:
          l.onDetected((Detection) value);
          break;
        case WAITING:
          l.onWaiting((Detection) value, Objects.requireNonNull(waited), lastAnswer);
          break;
        case WAIT_FINISHED:
          l.onWaitFinished((WaitResult) value);
          break;
        case QUIT:
          l.onQuit((QuitResult) value);
          break;
        default:
          l.onStatus((MeshStatus) value);
      }
    }
  }

  private Detection findEnvoyAdmin(Detection d) {
    Detection found = detector.probeOnce();
    if (found != null && found.type() == MeshType.ENVOY && found.adminUrl() != null) {
      Detection completed = d.toBuilder().mesh(found.mesh()).version(found.version()).adminUrl(found.adminUrl()).build();
      synchronized (detectLock) {
        detection = completed;
      }
      fireDetected(completed);
      return completed;
    }
    return d;
  }

  private static void quietly(Throwable e) {
    try {
      Log.debug("wait tail: " + e);
    } catch (Throwable ignored) {
      // out of memory even for the line: stay quiet
    }
  }

  /** Once ready: checks, without quitting, that the quit path works, and says so in one WARN line if not. */
  private void quitPreflight() {
    Detection d = detection;
    if (d == null || closed || quitResult != null) {
      return;
    }
    try {
      String problem = QuitPreflight.problem(http, config, d);
      if (problem != null) {
        Log.warn("quit preflight: " + problem + " (meshprobe.quit.preflight=false silences this check)");
      }
    } catch (RuntimeException e) {
      Log.debug("quit preflight failed: " + e);
    }
  }

  /**
   * What the status refresher asks of the probe. One named class, not three method references: each of those would
   * spin a class at the probe's construction (the agent builds its probe in premain).
   */
  private final class StatusHooks implements Supplier<Detection>, StatusRefresher.Readiness, StatusRefresher.Sink {
    @Override
    public Detection get() {
      return detectNow();
    }

    @Override
    public ReadinessCheck.Result check(Detection d) {
      return readiness.check(d);
    }

    @Override
    public void accept(MeshStatus snapshot, @Nullable Boolean readyNow, long checkedAt) {
      onStatus(snapshot, readyNow, checkedAt);
    }
  }

  /** The probe's verdict as the node-info completer sees it: read and written under {@link #detectLock}. */
  private final class NodeVerdict implements NodeInfoCompleter.Verdict {
    @Override
    public @Nullable Detection incomplete() {
      synchronized (detectLock) {
        Detection d = detection;
        return d == null || nodeKnown || d.type() != MeshType.ISTIO_SIDECAR ? null : d;
      }
    }

    @Override
    public boolean complete(Detection before, Detection completed) {
      synchronized (detectLock) {
        if (detection != before || nodeKnown) {
          return false;
        }
        nodeKnown = true;
        detection = completed;
        return true;
      }
    }
  }

  /** The non-loopback hosts the admin client may ask: those of the configured URLs, already checked at build(). */
  private static List<String> adminHosts(ProbeConfig config) {
    List<String> urls = new ArrayList<>(config.extraQuitUrls);
    urls.add(config.istioStatusUrl);
    urls.add(config.istioReadinessUrl);
    urls.add(config.istioAdminUrl);
    urls.add(config.linkerdAdminUrl);
    if (config.envoyAdminUrl != null) {
      urls.add(config.envoyAdminUrl);
    }
    List<String> hosts = new ArrayList<>();
    for (String url : urls) {
      String host = java.net.URI.create(url).getHost();
      if (host != null) {
        hosts.add(host);
      }
    }
    return hosts;
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /**
   * Configures a {@link MeshProbe}. Anything not set here comes from the system property, then the environment
   * variable, then the default named on each method.
   */
  public static final class Builder {
    /**
     * The values set in code, by key: the one record of what this builder holds, so a copy holds every option. A key
     * absent here comes from the system property, the environment or the default ({@link ProbeConfig}).
     */
    private final EnumMap<MeshProbeKey, @Nullable Object> set = new EnumMap<>(MeshProbeKey.class);

    @Nullable MeshProbeListener listener;
    // For tests: where system properties and environment come from, and where /proc/net lives.
    Settings.Source source = Settings.Source.SYSTEM;
    Path procNet = Paths.get("/proc/net");
    // For tests: makes the wait tails' threads (null: plain threads), to see who starts them and when they run.
    @Nullable ThreadFactory threads;

    Builder() {}

    /** A copy of {@code other}: every value set in code, the listener, and the test hooks. */
    Builder(Builder other) {
      set.putAll(other.set);
      listener = other.listener;
      source = other.source;
      procNet = other.procNet;
      threads = other.threads;
    }

    private Builder put(MeshProbeKey key, @Nullable Object value) {
      set.put(key, value);
      return this;
    }

    /** Master switch ({@code meshprobe.enabled}, default true). Disabled, every operation reports NO_PROXY / SKIPPED. */
    public Builder enabled(boolean enabled) {
      return put(MeshProbeKey.ENABLED, enabled);
    }

    /**
     * The mesh to expect, skipping detection ({@code meshprobe.mesh}: {@code istio}, {@code linkerd}, {@code envoy},
     * {@code ambient} or {@code none}); {@code null} detects it ({@code auto}, the default).
     */
    public Builder mesh(@Nullable MeshType mesh) {
      return put(MeshProbeKey.MESH, mesh);
    }

    /**
     * How long "nothing listens yet" may last before the verdict is "no mesh" ({@code meshprobe.detect.window},
     * default 5 s). Applies inside Kubernetes when no pod annotations can be read, or anywhere once set explicitly.
     */
    public Builder detectWindow(Duration window) {
      return put(MeshProbeKey.DETECT_WINDOW, nonNegative("detectWindow", window));
    }

    /** Directory of the Downward API files {@code annotations} and {@code labels} ({@code meshprobe.podinfo.dir}, default {@code /etc/podinfo}). */
    public Builder podInfoDir(Path dir) {
      return put(MeshProbeKey.PODINFO_DIR, Objects.requireNonNull(dir, "dir"));
    }

    /** Default timeout of {@link MeshProbe#awaitReady()} ({@code meshprobe.wait.timeout}, default 60 s). */
    public Builder waitTimeout(Duration timeout) {
      return put(MeshProbeKey.WAIT_TIMEOUT, nonNegative("waitTimeout", timeout));
    }

    /** Whether a timed-out wait throws {@link ProxyNotReadyException} ({@code meshprobe.wait.on-timeout=fail}); default false. */
    public Builder failOnTimeout(boolean fail) {
      return put(MeshProbeKey.WAIT_ON_TIMEOUT, fail);
    }

    /**
     * Poll period while the proxy answers "not ready" ({@code meshprobe.wait.interval}, default 8 ms); half of it while
     * the proxy refuses connections. After the first 2 s of a wait the period grows with the time waited: 1.5× at 3 s,
     * then with the cube of the time waited, up to 12.5× from about 6.4 s (100 ms by default).
     */
    public Builder waitInterval(Duration interval) {
      return put(MeshProbeKey.WAIT_INTERVAL, positive("waitInterval", interval));
    }

    /** Upper bound of {@link MeshProbe#quitProxy()} ({@code meshprobe.quit.timeout}, default 2 s). */
    public Builder quitTimeout(Duration timeout) {
      return put(MeshProbeKey.QUIT_TIMEOUT, positive("quitTimeout", timeout));
    }

    /** URLs also POSTed on quit, for other sidecars ({@code meshprobe.quit.extra-urls}, comma-separated). */
    public Builder extraQuitUrls(List<String> urls) {
      List<String> copy = new ArrayList<>();
      for (String url : Objects.requireNonNull(urls, "urls")) {
        copy.add(Objects.requireNonNull(url, "url"));
      }
      return put(MeshProbeKey.QUIT_EXTRA_URLS, Collections.unmodifiableList(copy));
    }

    /** pilot-agent's status server ({@code meshprobe.istio.status-url}, default {@code http://127.0.0.1:15020}). */
    public Builder istioStatusUrl(String url) {
      return put(MeshProbeKey.ISTIO_STATUS_URL, Objects.requireNonNull(url, "url"));
    }

    /** Envoy's readiness listener ({@code meshprobe.istio.readiness-url}, default {@code http://127.0.0.1:15021}). */
    public Builder istioReadinessUrl(String url) {
      return put(MeshProbeKey.ISTIO_READINESS_URL, Objects.requireNonNull(url, "url"));
    }

    /** Istio's Envoy admin API ({@code meshprobe.istio.admin-url}, default {@code http://127.0.0.1:15000}). */
    public Builder istioAdminUrl(String url) {
      return put(MeshProbeKey.ISTIO_ADMIN_URL, Objects.requireNonNull(url, "url"));
    }

    /** A generic Envoy mesh's admin API ({@code meshprobe.envoy.admin-url}); unset, ports 19000, 9901 and 15000 are tried. */
    public Builder envoyAdminUrl(String url) {
      return put(MeshProbeKey.ENVOY_ADMIN_URL, Objects.requireNonNull(url, "url"));
    }

    /** linkerd-proxy's admin server ({@code meshprobe.linkerd.admin-url}, default {@code http://127.0.0.1:4191}). */
    public Builder linkerdAdminUrl(String url) {
      return put(MeshProbeKey.LINKERD_ADMIN_URL, Objects.requireNonNull(url, "url"));
    }

    /** Deadline of one call to the proxy, body included ({@code meshprobe.http.timeout}, default 1 s). */
    public Builder httpTimeout(Duration timeout) {
      return put(MeshProbeKey.HTTP_TIMEOUT, positive("httpTimeout", timeout));
    }

    /** Largest body read from the proxy ({@code meshprobe.http.max-body}, default 64 MiB). */
    public Builder maxBody(long bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxBody must be positive, but was " + bytes);
      }
      return put(MeshProbeKey.HTTP_MAX_BODY, bytes);
    }

    /** Allows admin and quit URLs that are not loopback ({@code meshprobe.admin.allow-remote}, default false). */
    public Builder allowRemoteAdmin(boolean allow) {
      return put(MeshProbeKey.ADMIN_ALLOW_REMOTE, allow);
    }

    /**
     * How often the cached {@link MeshProbe#status() status} is refreshed in the background once
     * {@link MeshProbe#startStatusRefresh() started} ({@code meshprobe.status.refresh}, default 30 s); zero refreshes
     * only on demand.
     */
    public Builder statusRefresh(Duration interval) {
      return put(MeshProbeKey.STATUS_REFRESH, nonNegative("statusRefresh", interval));
    }

    /**
     * The app's inbound ports for the status port table ({@code meshprobe.ports}). Unset: the ports this JVM listens
     * on as published by the agent, else the proxy's non-proxy inbound ports.
     */
    public Builder ports(List<Integer> ports) {
      List<Integer> copy = new ArrayList<>();
      for (Integer p : Objects.requireNonNull(ports, "ports")) {
        if (p == null || p <= 0 || p > 65535) {
          throw new IllegalArgumentException("ports must be between 1 and 65535, but got " + p);
        }
        copy.add(p);
      }
      return put(MeshProbeKey.PORTS, Collections.unmodifiableList(copy));
    }

    /** Proxy memory above which the status reports a finding ({@code meshprobe.proxy.memory-budget}, default 128 MiB); 0 turns it off. */
    public Builder proxyMemoryBudget(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("proxyMemoryBudget must not be negative, but was " + bytes);
      }
      return put(MeshProbeKey.PROXY_MEMORY_BUDGET, bytes);
    }

    /** Whether to check the quit path once the proxy is ready, without quitting ({@code meshprobe.quit.preflight}, default true). */
    public Builder quitPreflight(boolean check) {
      return put(MeshProbeKey.QUIT_PREFLIGHT, check);
    }

    /** A listener registered before anything can happen, so it sees every event. */
    public Builder listener(MeshProbeListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Builds the probe. Nothing is contacted yet.
     *
     * <p>A system property or environment variable that does not parse is one WARN line naming the key, the value and
     * the default used instead; the other keys are unaffected.
     *
     * @throws IllegalArgumentException when an admin or quit URL is malformed or not loopback while remote admin URLs
     *     are not allowed (refused rather than replaced: where the probe sends admin calls is never guessed)
     */
    public MeshProbe build() {
      return new MeshProbe(new Builder(this), new ProbeConfig(set, source, procNet));
    }

    private static Duration positive(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, but was " + d);
      }
      return d;
    }

    private static Duration nonNegative(String name, Duration d) {
      Objects.requireNonNull(d, name);
      if (d.isNegative()) {
        throw new IllegalArgumentException(name + " must not be negative, but was " + d);
      }
      return d;
    }
  }
}
