package io.meshprobe.agent.internal;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeException;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.QuitRule;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.internal.Log;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import javax.management.ObjectName;

/**
 * Everything the agent does after {@code MeshProbeAgent} has decided to go on. Called by name, so the premain
 * class links no library type.
 *
 * <p>What stays on premain's path, by mode: {@code block} waits (HTTP through the library's own small client on a
 * plain socket, which no tracing agent instruments); {@code gate} patches the socket classes and starts the waiting thread; {@code off} starts a
 * detection thread. Before any of that, in every mode, unless this JVM can never quit: the quit hook and the main
 * thread's crash watch (a job may end at any moment, before the proxy is ready too), and the exit-status patch (only
 * for {@code meshprobe.quit.on-failure=false}) on the daemon thread {@code mesh-probe-exit-watch}. Once a sidecar is
 * detected: the shutdown-hooks patch on {@code mesh-probe-hooks}; once the verdict is in, on {@code mesh-probe-init}:
 * the listening ports at once, the MXBean and the status report {@link #DEFERRED_INIT_MILLIS} later. Without a mesh
 * decided in premain ({@code NoMeshShortcut}), none of it. No thread of the agent keeps the app's class loader as its
 * context class loader.
 */
public final class AgentStarter {
  static final String MBEAN_NAME = "io.meshprobe:type=MeshProbe";

  private final Instrumentation inst;
  private final AgentConfig config;
  private final MeshProbe probe;
  private final AgentState state;
  private final JdkPatcher patcher = new JdkPatcher();
  private final ExitWatch exit = new ExitWatch(Thread.currentThread());

  private AgentStarter(Instrumentation inst, AgentConfig config, MeshProbe probe) {
    this.inst = inst;
    this.config = config;
    this.probe = probe;
    this.state = new AgentState(config, probe);
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
        start(inst, attached);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Exception e) {
        throw new java.lang.reflect.UndeclaredThrowableException(e);
      }
    }
  }

  /** Starts the agent; {@code attached} when loaded into a running JVM (no start-up wait then). */
  public static void start(Instrumentation inst, boolean attached) throws Exception {
    // First: the settings reader's warnings (a bad value, one line each) must reach stderr, not java.util.logging.
    Log.redirect(LOG_SINK);
    AgentConfig config = AgentConfig.read();
    if (config.meshNone) {
      AgentLog.debug("meshprobe.mesh=none: nothing to wait for or quit");
      return;
    }
    String noMesh = NoMeshShortcut.reason();
    if (noMesh != null) {
      AgentLog.debug("no mesh: " + noMesh);
      lazyMetrics(inst, config);
      return;
    }
    new AgentStarter(inst, config, newProbe(config)).run(attached);
  }

  /**
   * The agent's probe. Its log lines go to {@link AgentLog} (stderr, one line each), never through
   * {@code java.util.logging}, which must not start in premain: warnings as warnings, the rest at debug, since the
   * agent prints its own summary and progress lines from the probe's events ({@link AgentState}). With
   * {@code meshprobe.quit=never} the quit-path check at start is pointless noise, so it is off.
   */
  static MeshProbe newProbe(AgentConfig config) {
    Log.redirect(LOG_SINK);
    MeshProbe.Builder builder = MeshProbe.builder();
    if (config.quit == QuitRule.Policy.NEVER) {
      builder.quitPreflight(false);
    }
    return builder.build();
  }

  private static final Log.Sink LOG_SINK =
      new Log.Sink() {
        @Override
        public void log(Log.Level level, String message, Throwable thrown) {
          String line = thrown == null ? message : message + ": " + thrown;
          if (level == Log.Level.WARNING) {
            AgentLog.warn(line);
          } else {
            AgentLog.debug(line);
          }
        }
      };

  /**
   * No mesh, decided without the library: the meters (showing no proxy) still appear in the app's registries and on
   * the agent's endpoint, but the probe behind them is built on the metrics thread, and only if the app ever loads
   * Micrometer or the endpoint is on.
   */
  private static void lazyMetrics(Instrumentation inst, final AgentConfig config) {
    final MicrometerBridge.StateSource source =
        new MicrometerBridge.StateSource() {
          private AgentState state;

          @Override
          public synchronized AgentState get() {
            if (state == null) {
              MeshProbe probe = newProbe(config);
              state = new AgentState(config, probe);
              probe.addListener(state);
              state.onDetected(probe.detect());
            }
            return state;
          }
        };
    if (!AgentConfig.get(MetricsEndpoint.PORT, "").isEmpty()) { // a constant: MetricsEndpoint is not loaded here
      MetricsEndpoint.startInBackground(source);
    }
    if (!config.metrics) {
      return;
    }
    JdkPatcher patcher = new JdkPatcher();
    patcher.enableMetrics(
        new Function<Object, Object>() {
          private MicrometerBridge bridge;

          @Override
          public synchronized Object apply(Object registry) {
            if (bridge == null) {
              bridge = new MicrometerBridge(source);
            }
            return bridge.apply(registry);
          }
        });
    inst.addTransformer(patcher, true);
  }

  private void run(boolean attached) throws Exception {
    probe.addListener(state);
    inst.addTransformer(patcher, true);
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
    try {
      proceed(attached);
    } catch (Throwable t) {
      // premain reports "agent not started, the app runs without it": then no quit at exit either.
      uninstallQuit();
      throw t;
    }
  }

  private void proceed(boolean attached) throws Exception {
    AgentConfig.WaitMode mode = attached ? AgentConfig.WaitMode.OFF : config.waitMode;
    switch (mode) {
      case BLOCK:
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
    if (waited) {
      WaitResult w = (WaitResult) result;
      if (w.outcome() == WaitOutcome.READY) {
        AgentLog.info(w.message() + " (meshprobe.wait.mode=" + state.getWaitMode() + ")");
      } else if (w.outcome() != WaitOutcome.NO_PROXY) {
        AgentLog.warn(w.message() + "; the app goes on without it");
      }
    }
    if (!d.type().hasSidecar()) {
      return; // no mesh, or ambient: nothing to quit, nothing more to set up
    }
    if (notOwner != null) {
      // Said once, and only where there is a proxy the JVM could have quit.
      AgentLog.info("this JVM does not quit the " + d.mesh() + " proxy: " + notOwner);
    }
    background(
        "mesh-probe-init",
        new Runnable() {
          @Override
          public void run() {
            int[] ports = ListeningPorts.read();
            QuitOnExit q = quit;
            if (q != null) {
              q.listening(ports);
            }
            try {
              Thread.sleep(DEFERRED_INIT_MILLIS);
            } catch (InterruptedException e) {
              return;
            }
            if (config.jmx) {
              registerMBean();
            }
            StatusReport.start(probe);
          }
        });
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
    final QuitOnExit q = new QuitOnExit(state, config, exit, facts);
    Thread hook = new Thread(q, "mesh-probe-quit");
    try {
      hook.setContextClassLoader(null);
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      return;
    }
    quitHook = hook;
    quit = q;
    // Seeing the other hooks takes a patch of ApplicationShutdownHooks (ASM, tens of ms), so it is applied once a
    // sidecar is known, on a thread of its own, off premain's path. Not a daemon: a main that returns before the patch
    // is in place (a short Job) has the JVM wait for it, so the quit still waits for the app's hooks; an exit call
    // in those few tens of ms quits without waiting for them (debug line).
    probe.addListener(
        new MeshProbeListener() {
          private final AtomicBoolean captured = new AtomicBoolean();

          @Override
          public void onDetected(Detection d) {
            if (d.type().hasSidecar() && captured.compareAndSet(false, true)) {
              Thread t =
                  daemon(
                      "mesh-probe-hooks",
                      new Runnable() {
                        @Override
                        public void run() {
                          q.hooks(ShutdownHooks.install(inst, patcher));
                        }
                      });
              t.setDaemon(false);
              t.start();
            }
          }
        });
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
