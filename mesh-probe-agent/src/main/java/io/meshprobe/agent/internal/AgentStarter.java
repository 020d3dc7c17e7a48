package io.meshprobe.agent.internal;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeException;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.QuitRule;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.internal.Log;
import io.meshprobe.internal.MeshProbeKey;
import io.meshprobe.internal.NodeInfo;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import javax.management.ObjectName;

/**
 * Everything the agent does after {@code MeshProbeAgent} has decided to go on. Called by name, so the premain
 * class links no library type.
 *
 * <p>What stays on premain's path, by mode: {@code block} waits (HTTP through the library's own small client on a
 * plain socket, which no tracing agent instruments); {@code gate} patches the socket classes and starts the waiting thread; {@code off} starts a
 * detection thread. Before any of that, in every mode, unless this JVM can never quit: the quit hook and the main
 * thread's crash watch (a job may end at any moment, before the proxy is ready too), and the exit-status patch (only
 * for {@code meshprobe.quit.on-failure=false}) on the daemon thread {@code mesh-probe-exit-watch}. The JDK's map of
 * shutdown hooks is read on {@code mesh-probe-hooks} ({@link ShutdownHooks}): from the start when {@code
 * meshprobe.mesh} names a sidecar mesh (in parallel with building the probe; for Istio followed by loading Jackson for
 * the node-metadata read on {@code mesh-probe-warm}), else once a sidecar is detected. Once a sidecar is detected, {@code mesh-probe-init} is started too and waits for the
 * verdict, so that the verdict (in block mode between the proxy turning ready and {@code main}) loads no class and
 * starts no thread; after it: the listening ports (in block mode with the rest), the MXBean and the status report
 * {@link #DEFERRED_INIT_MILLIS} later. Without a mesh decided in premain ({@code NoMeshShortcut}), none of it. No
 * thread of the agent keeps the app's class loader as its context class loader.
 */
public final class AgentStarter {
  static final String MBEAN_NAME = "io.meshprobe:type=MeshProbe";

  private final Instrumentation inst;
  private final AgentConfig config;
  private final MeshProbe probe;
  private final AgentState state;
  private final JdkPatcher patcher;
  private final ShutdownHooks.Capture hooksCapture;
  private final ExitWatch exit = new ExitWatch(Thread.currentThread());

  private AgentStarter(Instrumentation inst, AgentConfig config, MeshProbe probe, JdkPatcher patcher, ShutdownHooks.Capture hooksCapture) {
    this.inst = inst;
    this.config = config;
    this.probe = probe;
    this.state = new AgentState(config, probe);
    this.patcher = patcher;
    this.hooksCapture = hooksCapture;
  }

  /**
   * The premain class's hand-off, by name: a no-argument constructor and a JDK interface, so that the premain class
   * links no type of the agent's or the library's, and no reflective call spins method-handle classes. A checked
   * exception comes out wrapped in {@link java.lang.reflect.UndeclaredThrowableException}.
   */
  public static final class Entry implements java.util.function.BiConsumer<Instrumentation, Boolean> {
    @Override
    public void accept(Instrumentation inst, Boolean attached) {
      try {
        // No mesh is decided first, by a small class of its own: this class, whose verification alone loads a dozen
        // others, is then never loaded.
        if (NoMeshShortcut.start(inst)) {
          return;
        }
        start(inst, attached);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new java.lang.reflect.UndeclaredThrowableException(e);
      }
    }
  }

  /**
   * Starts the agent once {@link NoMeshShortcut#start} has not decided "no mesh"; {@code attached} when loaded into a
   * running JVM (no start-up wait then).
   */
  public static void start(Instrumentation inst, boolean attached) throws Exception {
    // First: the settings reader's warnings (a bad value, one line each) must reach stderr, not java.util.logging.
    Log.redirect(AgentLog.SINK);
    AgentConfig config = AgentConfig.read();
    if (config.meshNone) {
      AgentLog.debug("meshprobe.mesh=none: nothing to wait for or quit");
      return;
    }
    JdkPatcher patcher = new JdkPatcher();
    inst.addTransformer(patcher, true);
    String mesh = configuredMesh();
    boolean sidecar = mesh.equals("istio") || mesh.equals("linkerd") || mesh.equals("envoy");
    ShutdownHooks.Capture hooks = new ShutdownHooks.Capture(inst, mesh.equals("istio") ? warmNodeRead() : null);
    if (config.quit != QuitRule.Policy.NEVER && sidecar) {
      // The sidecar is known without looking: the JDK's hook map is read while this thread builds the probe, instead
      // of after it; for Istio, whose node metadata the probe reads at once and the quit needs (a native sidecar is
      // never quit), Jackson's classes are loaded next, on a daemon thread. If the start fails later, the map is held
      // by an object nobody asks.
      hooks.start();
    }
    new AgentStarter(inst, config, newProbe(config), patcher, hooks).run(attached);
  }

  /** {@code meshprobe.mesh}, lower case: anything but {@code auto} means the library detects nothing. */
  static String configuredMesh() {
    return AgentConfig.get(MeshProbeKey.MESH.key(), "auto").trim().toLowerCase(Locale.ROOT);
  }

  /** Loads Jackson's classes for the node read the quit needs; not a constant, so the no-mesh path never loads it. */
  private static Runnable warmNodeRead() {
    return new Runnable() {
      @Override
      public void run() {
        NodeInfo.warm();
      }
    };
  }

  /**
   * The state behind the no-mesh mode's meters ({@link NoMeshShortcut#start}), built at their first use, on the
   * metrics thread: the full settings (with their warnings), the probe and its verdict.
   */
  static AgentState noMeshState() {
    AgentConfig config = AgentConfig.read();
    MeshProbe probe = newProbe(config);
    AgentState state = new AgentState(config, probe);
    probe.addListener(state);
    state.onDetected(probe.detect());
    return state;
  }

  /**
   * The agent's probe. Its log lines go to {@link AgentLog} (stderr, one line each), never through
   * {@code java.util.logging}, which must not start in premain: warnings as warnings, the rest at debug, since the
   * agent prints its own summary and progress lines from the probe's events ({@link AgentState}). With
   * {@code meshprobe.quit=never} the quit-path check at start is pointless noise, so it is off.
   */
  static MeshProbe newProbe(AgentConfig config) {
    Log.redirect(AgentLog.SINK);
    MeshProbe.Builder builder = MeshProbe.builder();
    if (config.quit == QuitRule.Policy.NEVER) {
      builder.quitPreflight(false);
    }
    return builder.build();
  }

  private void run(boolean attached) throws Exception {
    probe.addListener(state);
    if (config.metrics) {
      MicrometerBridge bridge = new MicrometerBridge(state);
      state.metrics = bridge;
      patcher.enableMetrics(bridge);
    }
    if (!AgentConfig.get(MetricsEndpoint.PORT, "").isEmpty()) { // a constant: MetricsEndpoint is not loaded here
      MetricsEndpoint.startInBackground(
          new MicrometerBridge.StateSource() {
            @Override
            public AgentState get() {
              return state;
            }
          });
    }
    installQuit();
    probe.addListener(
        new MeshProbeListener() {
          @Override
          public void onDetected(Detection d) {
            if (d.type().hasSidecar()) {
              if (quit != null) {
                hooksCapture.start(); // unless started in start() already
              }
              init.start();
            }
          }
        });
    try {
      proceed(attached);
    } catch (Throwable t) {
      // premain reports "agent not started, the app runs without it": then no quit at exit either.
      uninstallQuit();
      init.release(null);
      throw t;
    }
  }

  private void proceed(boolean attached) throws Exception {
    AgentConfig.WaitMode mode = attached ? AgentConfig.WaitMode.OFF : config.waitMode;
    switch (mode) {
      case BLOCK:
        blocked = true;
        verdict(awaitReady(), true);
        break;
      case GATE:
        gate();
        break;
      default:
        background(
            "mesh-probe-detect",
            new Runnable() {
              @Override
              public void run() {
                verdict(probe.detect(), false);
              }
            });
    }
  }

  private WaitResult awaitReady() {
    try {
      return probe.awaitReady();
    } catch (MeshProbeException e) {
      // meshprobe.wait.on-timeout=fail: an agent cannot fail the JVM (it never exits it); say so loudly.
      AgentLog.error(e.getMessage() + "; the agent never stops the JVM, so the app starts anyway");
      WaitResult w = probe.lastWait();
      if (w == null) {
        throw e;
      }
      return w;
    }
  }

  private void gate() throws Exception {
    final Gate gate = new Gate(System.nanoTime() + probe.waitTimeout().toNanos());
    gate.install(inst, patcher);
    Thread waiter =
        daemon(
            "mesh-probe-wait",
            new Runnable() {
              @Override
              public void run() {
                WaitResult r;
                try {
                  r = awaitReady();
                } finally {
                  gate.open();
                }
                if (gate.held() > 0) {
                  AgentLog.debug(gate.held() + " outbound connects waited for the proxy");
                }
                verdict(r, true);
              }
            });
    gate.waiter(waiter);
    waiter.start();
  }

  private void verdict(Object result, boolean waited) {
    Detection d = result instanceof WaitResult ? ((WaitResult) result).detection() : (Detection) result;
    if (waited && AgentLog.enabled(AgentLog.WARN)) {
      WaitResult w = (WaitResult) result;
      if (w.outcome() == WaitOutcome.READY) {
        if (AgentLog.enabled(AgentLog.INFO)) {
          AgentLog.info(w.message() + " (meshprobe.wait.mode=" + state.getWaitMode() + ")");
        }
      } else if (w.outcome() != WaitOutcome.NO_PROXY) {
        AgentLog.warn(w.message() + "; the app goes on without it");
      }
    }
    if (!d.type().hasSidecar()) {
      init.release(null); // no mesh, or ambient: nothing to quit, nothing more to set up
      return;
    }
    if (notOwner != null) {
      // Said once, and only where there is a proxy the JVM could have quit.
      AgentLog.info("this JVM does not quit the " + d.mesh() + " proxy: " + notOwner);
    }
    init.start(); // normally started already, when the sidecar was detected
    init.release(d);
  }

  /**
   * What follows a verdict with a sidecar, on the daemon thread {@code mesh-probe-init}: the listening ports (at once,
   * or in block mode with the rest), the MXBean and the status report {@link #DEFERRED_INIT_MILLIS} later. The thread is started as soon as a sidecar is
   * detected, before the wait polls, and waits for the verdict: so the verdict itself (in block mode, on premain's path
   * between the proxy turning ready and {@code main}) loads no class and starts no thread, it only hands over.
   */
  private final class Init implements Runnable {
    private boolean started;
    private boolean released;
    private Detection verdict;

    synchronized void start() {
      if (!started) {
        started = true;
        background("mesh-probe-init", this);
      }
    }

    /** The verdict ({@code null}: nothing to do; a thread started for it ends). */
    synchronized void release(Detection d) {
      if (!released) {
        released = true;
        verdict = d;
        notifyAll();
      }
    }

    @Override
    public void run() {
      Detection d;
      try {
        synchronized (this) {
          while (!released) {
            wait();
          }
          d = verdict;
        }
      } catch (InterruptedException e) {
        return;
      }
      if (d == null || !d.type().hasSidecar()) {
        return;
      }
      // In block mode the app has not started at the verdict (it has no port yet), and this thread would compete with
      // the JVM launching main for the CPU: the ports are read with the deferred work.
      if (!blocked) {
        readPorts();
      }
      try {
        Thread.sleep(DEFERRED_INIT_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      if (blocked) {
        readPorts();
      }
      if (config.jmx) {
        registerMBean();
      }
      StatusReport.start(probe);
    }
  }

  private final Init init = new Init();
  /** Whether premain waited for the verdict (block mode). */
  private volatile boolean blocked;

  private void readPorts() {
    int[] ports = ListeningPorts.read();
    QuitOnExit q = quit;
    if (q != null) {
      q.listening(ports);
    }
  }

  /**
   * How long after the verdict the MXBean and the status report (its first status read) wait: neither is needed for
   * the app to start, and together they cost a cold JVM about as much CPU as the whole wait (the platform MBean server
   * alone loads ~300 JDK classes). A JVM that ends sooner (a JDK tool, a short Job, a hello-world) never pays for them,
   * and they do not compete with the app's own start for the CPU. The meters do not wait for it: Micrometer's binding
   * starts the status refresh itself.
   */
  static final long DEFERRED_INIT_MILLIS = 1000;

  /** Set when this JVM may quit the proxy: the hook, for facts learned later (listening ports). */
  private volatile QuitOnExit quit;
  private volatile Thread quitHook;
  /** Why this JVM never quits the proxy with {@code meshprobe.quit=auto}, or {@code null}. */
  private volatile String notOwner;

  /** Takes the quit hook back when the start failed after installing it. */
  private void uninstallQuit() {
    Thread hook = quitHook;
    quit = null;
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // too late: the hook runs, and finds no verdict to act on
      }
    }
  }

  /**
   * The quit hook, from premain on and in every wait mode (before a block-mode wait, before the gate opens), so that
   * a JVM that ends at any moment is covered: a Job whose {@code main} returns before the proxy is ready still gets
   * its quit. Cheap: the facts known at start (a few small {@code /proc} and Downward API reads), a {@code Thread}
   * object and the main thread's crash watch. Whether the end calls for a quit is decided by
   * the hook at shutdown ({@link QuitOnExit}); a JVM that can never quit (not the owner of the pod's quit, a
   * long-running service, {@code meshprobe.quit=never}) gets no hook at all.
   */
  private void installQuit() {
    if (config.quit == QuitRule.Policy.NEVER) {
      return;
    }
    QuitRule.Facts facts = QuitRule.facts(probe).build();
    if (config.quit == QuitRule.Policy.AUTO) {
      if (!facts.owner()) {
        notOwner = facts.ownerReason() + " (meshprobe.quit.owner=true or meshprobe.quit=always overrides)";
        AgentLog.debug("not the quit owner: " + facts.ownerReason());
        return;
      }
      AgentLog.debug("quit owner: " + facts.ownerReason() + "; workload " + facts.workload() + " (" + facts.workloadSource() + ")");
      if (facts.workload() == QuitRule.Workload.SERVICE) {
        AgentLog.debug("no quit hook: " + QuitRule.decide(facts).reason());
        return;
      }
    }
    final QuitOnExit q = new QuitOnExit(state, config, exit, facts, hooksCapture);
    Thread hook = new Thread(q, "mesh-probe-quit");
    try {
      hook.setContextClassLoader(null);
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      return;
    }
    quitHook = hook;
    quit = q;
    if (config.quit == QuitRule.Policy.AUTO || !config.quitOnFailure) {
      watchExit();
    }
  }

  /**
   * The main thread's crash is watched at once (cheap). Signals and exit calls are told apart at shutdown from
   * the thread blocked in {@code Shutdown.exit} ({@link ExitWatch#inferFromThreads()}), which needs no patch.
   * Only {@code meshprobe.quit.on-failure=false} needs the status of an exit call: then {@code Shutdown.exit}
   * is patched (ASM, tens of ms), on a daemon thread, off premain's path.
   */
  private void watchExit() {
    try {
      exit.watchMainThread();
    } catch (Throwable t) {
      AgentLog.debug("cannot watch the main thread (" + t + "); a crash of main counts as a normal end");
    }
    if (config.quitOnFailure) {
      return;
    }
    background(
        "mesh-probe-exit-watch",
        new Runnable() {
          @Override
          public void run() {
            try {
              System.getProperties().put(JdkPatcher.EXIT, exit);
              patcher.enableExit();
              patcher.patchLoaded(inst, JdkPatcher.SHUTDOWN);
              if (patcher.isPatched(JdkPatcher.SHUTDOWN)) {
                exit.installed();
              }
            } catch (Throwable t) {
              AgentLog.debug("cannot patch Shutdown.exit (" + t + "); exit calls are told apart by thread name only");
            }
          }
        });
  }

  private void registerMBean() {
    try {
      ManagementFactory.getPlatformMBeanServer().registerMBean(new MeshProbeMBean(state), new ObjectName(MBEAN_NAME));
    } catch (Throwable t) {
      AgentLog.debug("MXBean " + MBEAN_NAME + " not registered: " + t);
    }
  }

  private static void background(String name, Runnable r) {
    daemon(name, r).start();
  }

  static Thread daemon(String name, final Runnable r) {
    Thread t =
        new Thread(
            new Runnable() {
              @Override
              public void run() {
                try {
                  r.run();
                } catch (Throwable e) {
                  // One short line, never a stack trace; an OutOfMemoryError is the app's to report, not ours.
                  if (e instanceof VirtualMachineError) {
                    AgentLog.log(AgentLog.DEBUG, "a thread of the agent stopped: " + e.getClass().getSimpleName());
                  } else {
                    QuitOnExit.quiet(Thread.currentThread().getName() + " failed: ", e);
                  }
                }
              }
            },
            name);
    t.setDaemon(true);
    // Not the app's loader (inherited from premain's thread): a container's leak check must not blame the app.
    t.setContextClassLoader(null);
    return t;
  }
}
