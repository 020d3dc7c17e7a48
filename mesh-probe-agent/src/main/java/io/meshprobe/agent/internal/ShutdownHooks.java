package io.meshprobe.agent.internal;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Lets the agent's shutdown hook wait for every other application shutdown hook. The JDK runs those hooks
 * concurrently, with no order, from the map in the static field {@code java.lang.ApplicationShutdownHooks.hooks},
 * which {@code ApplicationShutdownHooks.runHooks()} reads when shutdown starts, before it starts any hook thread (the
 * same field and method on Java 8 to 25). The agent patches {@code runHooks()} at entry with its JDK-only hook
 * ({@link JdkPatcher#SHUTDOWN_HOOKS}): the injected code reads the field itself and hands the map to this object,
 * so every hook is seen, also those registered before premain (another agent's) or after the patch. At shutdown the
 * agent's hook joins every thread in the map but its own.
 *
 * <p>No module is opened and no {@code setAccessible} is called: the code that reads the field runs inside
 * {@code java.base}. The patch is applied once a sidecar is known, on the agent's thread {@code mesh-probe-hooks}, by
 * retransforming the class (the agent's own {@code addShutdownHook} in premain has loaded it by then), so premain
 * loads no ASM for it. That thread is not a daemon: a {@code main} that returns before the patch is in place has the
 * JVM wait for it. If anything fails (no retransform support, a JDK whose class differs, an exit call before the
 * patch is in place), the quit does not wait for the other hooks (degrades to plain ordering), with one debug line.
 */
final class ShutdownHooks implements Function<Object, Object> {
  /**
   * The patch, applied at most once, on the agent's thread {@code mesh-probe-hooks}: from the agent's start when the
   * configuration names a sidecar mesh ({@code meshprobe.mesh=istio|linkerd|envoy}, so that it runs while premain
   * builds the probe), else once a sidecar is detected. That thread is not a daemon: a {@code main} that returns before
   * the patch is in place has the JVM wait for it, so that the quit still waits for the app's hooks.
   */
  static class Patch implements Runnable {
    private final Instrumentation inst;
    private final JdkPatcher patcher;
    private final AtomicBoolean started = new AtomicBoolean();
    private final Runnable then;
    private volatile ShutdownHooks hooks;

    /** {@code then}: work for a daemon thread that this one starts once the patch is in, or {@code null}. */
    Patch(Instrumentation inst, JdkPatcher patcher, Runnable then) {
      this.inst = inst;
      this.patcher = patcher;
      this.then = then;
    }

    /** Starts the patch unless it was started before; {@code patcher} must already be a transformer of {@code inst}. */
    void start() {
      if (started.compareAndSet(false, true)) {
        Thread t = AgentStarter.daemon("mesh-probe-hooks", this);
        t.setDaemon(false);
        t.start();
      }
    }

    @Override
    public void run() {
      hooks = install(inst, patcher);
      if (then != null) {
        // A daemon of its own: the JVM must not wait for it at exit the way it waits for the patch.
        AgentStarter.daemon("mesh-probe-warm", then).start();
      }
    }

    /** The receiver of the JDK's hook map, or {@code null} while the patch is not in place (or failed). */
    ShutdownHooks hooks() {
      return hooks;
    }
  }

  /** The JDK's live hook map, handed over when shutdown starts; {@code null} until then. */
  private volatile Map<?, ?> hooks;

  private ShutdownHooks() {}

  /**
   * Patches {@code ApplicationShutdownHooks.runHooks()} through {@code patcher} (already added to {@code inst} as a
   * retransform-capable transformer). Returns the object that will receive the hook map, or {@code null} with a
   * debug line when the patch could not be applied.
   */
  static ShutdownHooks install(Instrumentation inst, JdkPatcher patcher) {
    ShutdownHooks h = new ShutdownHooks();
    try {
      System.getProperties().put(JdkPatcher.SHUTDOWN_HOOKS, h);
      patcher.enableShutdownHooks();
      patcher.patchLoaded(inst, JdkPatcher.APPLICATION_SHUTDOWN_HOOKS);
      if (patcher.isPatched(JdkPatcher.APPLICATION_SHUTDOWN_HOOKS)) {
        // The patched code calls Function.identity() for its default, whose first call spins a lambda class (on JDK
        // 25 through the ClassFile API): once here, so that shutdown does not pay for it before any hook starts.
        Function.identity();
        return h;
      }
      AgentLog.debug("ApplicationShutdownHooks.runHooks not patched; the quit will not wait for the other shutdown hooks");
    } catch (Throwable t) {
      AgentLog.debug("cannot see the other shutdown hooks (" + t + "); the quit will not wait for them");
    }
    System.getProperties().remove(JdkPatcher.SHUTDOWN_HOOKS, h);
    return null;
  }

  /**
   * Called by the patched {@code runHooks()} on the thread that starts the shutdown, before any hook runs: keeps the
   * map. Cannot throw.
   */
  @Override
  public Object apply(Object map) {
    if (map instanceof Map) {
      hooks = (Map<?, ?>) map;
    }
    return null;
  }

  /**
   * Waits until every other hook thread has finished, or the deadline passes. Returns the names of the hooks
   * still running at the deadline.
   */
  List<String> awaitOthers(long deadlineNanos) throws InterruptedException {
    Map<?, ?> map = hooks;
    List<String> late = new ArrayList<String>();
    if (map == null) {
      AgentLog.debug("the JDK did not hand over its shutdown hooks; the quit does not wait for them");
      return late;
    }
    List<Thread> threads = new ArrayList<Thread>();
    // Read-only by now: runHooks has set the field to null, so the JDK refuses new hooks.
    for (Object t : map.keySet()) {
      threads.add((Thread) t);
    }
    Thread self = Thread.currentThread();
    for (Thread t : threads) {
      if (t == self) {
        continue;
      }
      // The JDK starts the hooks one after the other: one may not be started yet.
      while (t.getState() == Thread.State.NEW && System.nanoTime() - deadlineNanos < 0) {
        Thread.sleep(1);
      }
      long left = deadlineNanos - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
      if (t.isAlive()) {
        late.add(t.getName());
      }
    }
    return late;
  }
}
