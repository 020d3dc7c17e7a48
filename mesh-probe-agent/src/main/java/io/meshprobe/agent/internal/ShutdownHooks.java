package io.meshprobe.agent.internal;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Lets the agent's shutdown hook wait for every other application shutdown hook. The JDK runs those hooks
 * concurrently, with no order, from the map {@code java.lang.ApplicationShutdownHooks.hooks} (the same on Java 8
 * to 25). When shutdown starts, that static field is set to {@code null}, but the map itself is left intact, so
 * the agent grabs the map object early and at shutdown joins every thread in it but its own.
 *
 * <p>Reading the field needs {@code java.lang} opened to the agent on Java 9+; the agent does that for itself
 * with {@code Instrumentation.redefineModule} (called reflectively: this code is compiled for Java 8), so no
 * {@code --add-opens} flag is needed. If anything fails, the hook does not wait (degrades to plain ordering)
 * and says so at debug level.
 */
final class ShutdownHooks {
  private final Map<?, ?> hooks;

  private ShutdownHooks(Map<?, ?> hooks) {
    this.hooks = hooks;
  }

  /** The live hook map, or {@code null} with a debug line when it cannot be read. */
  static ShutdownHooks capture(Instrumentation inst) {
    try {
      Class<?> c = Class.forName("java.lang.ApplicationShutdownHooks");
      openJavaLang(inst);
      Field f = c.getDeclaredField("hooks");
      f.setAccessible(true);
      Object map = f.get(null);
      if (map instanceof Map) {
        return new ShutdownHooks((Map<?, ?>) map);
      }
      AgentLog.debug("shutdown hooks already running; the quit will not wait for them");
    } catch (Throwable t) {
      AgentLog.debug("cannot see the other shutdown hooks (" + t + "); the quit will not wait for them");
    }
    return null;
  }

  private static void openJavaLang(Instrumentation inst) throws Exception {
    Class<?> moduleClass;
    try {
      moduleClass = Class.forName("java.lang.Module");
    } catch (ClassNotFoundException java8) {
      return;
    }
    Method getModule = Class.class.getMethod("getModule");
    Object base = getModule.invoke(Object.class);
    Object mine = getModule.invoke(ShutdownHooks.class);
    Method redefine = Instrumentation.class.getMethod("redefineModule", moduleClass, Set.class, Map.class, Map.class, Set.class, Map.class);
    redefine.invoke(
        inst,
        base,
        Collections.emptySet(),
        Collections.emptyMap(),
        Collections.singletonMap("java.lang", Collections.singleton(mine)),
        Collections.emptySet(),
        Collections.emptyMap());
  }

  /**
   * Waits until every other hook thread has finished, or the deadline passes. Returns the names of the hooks
   * still running at the deadline.
   */
  List<String> awaitOthers(long deadlineNanos) throws InterruptedException {
    List<Thread> threads = new ArrayList<Thread>();
    // Read-only by now: the JDK refuses new hooks once shutdown has started.
    for (Object t : hooks.keySet()) {
      threads.add((Thread) t);
    }
    Thread self = Thread.currentThread();
    List<String> late = new ArrayList<String>();
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
