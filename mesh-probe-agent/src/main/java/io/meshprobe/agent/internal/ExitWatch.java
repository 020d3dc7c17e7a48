package io.meshprobe.agent.internal;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Learns how the JVM ends, for the quit policy.
 *
 * <ul>
 *   <li><b>Signals and exit calls.</b> At shutdown, {@link #inferFromThreads()} (called by the quit hook) looks for
 *       the thread blocked in {@code java.lang.Shutdown.exit}, where both {@code System.exit}/{@code Runtime.exit}
 *       and the JVM's SIGTERM/SIGINT/SIGHUP handling go (Java 8 to 25). The JDK runs a signal's handler on a new
 *       thread named {@code "SIG" + name + " handler"} ({@code SIGTERM handler}...), so that name means the
 *       signal; any other thread means an exit call. This needs no patch. An app that handles SIGTERM itself and
 *       calls {@code System.exit} from its handler still counts as SIGTERM (right: the pod is going away).
 *   <li><b>Exit status.</b> Only {@code meshprobe.quit.on-failure=false} needs the status of an exit call: then
 *       the exit hook ({@link JdkPatcher#EXIT}) sees the value passed to {@code Shutdown.exit(int)}. The patch is
 *       applied on a background thread (the ASM work costs tens of ms, too much for premain); an exit call made
 *       before it is in place has an unknown status ({@link #exitCode()} is {@code null}).
 *   <li><b>Own end.</b> When the last non-daemon thread ends, {@code Shutdown.exit} is never called: the code is
 *       1 if the main thread died of an uncaught exception, else 0, like the launcher's. The main thread's
 *       uncaught-exception handler is wrapped to see that (it then does what the JDK does without a handler:
 *       {@code ThreadGroup.uncaughtException}, which honours {@code Thread.setDefaultUncaughtExceptionHandler}).
 *       An app that sets its own handler on the main thread replaces the wrapper; its crash then counts as 0.
 * </ul>
 */
final class ExitWatch implements Function<Object, Object> {
  private final Thread main;
  private final AtomicReference<Integer> status = new AtomicReference<Integer>();
  private volatile boolean mainThrew;
  private volatile boolean installed;
  /** 128 + signal number when a JDK signal-handler thread is in {@code Shutdown.exit}, else 0. */
  private volatile int threadSignal;
  private volatile boolean exitCallSeen;

  ExitWatch(Thread main) {
    this.main = main;
  }

  /** Wraps the main thread's uncaught-exception handler (cheap; done in premain). */
  void watchMainThread() {
    final Thread.UncaughtExceptionHandler own = main.getUncaughtExceptionHandler();
    final ThreadGroup group = main.getThreadGroup();
    if (own != group) {
      return; // the thread already has its own handler: leave it alone
    }
    main.setUncaughtExceptionHandler(
        new Thread.UncaughtExceptionHandler() {
          @Override
          public void uncaughtException(Thread t, Throwable e) {
            mainThrew = true;
            group.uncaughtException(t, e);
          }
        });
  }

  /** Whether the main thread died of an uncaught exception: the app failed before its {@code main} was through. */
  boolean mainThrew() {
    return mainThrew;
  }

  void installed() {
    installed = true;
  }

  /** Whether the exit patch is in place. */
  boolean isInstalled() {
    return installed;
  }

  @Override
  public Object apply(Object o) {
    if (o instanceof Integer) {
      status.compareAndSet(null, (Integer) o);
    }
    return o;
  }

  /**
   * At shutdown: finds the threads blocked in {@code Shutdown.exit}. One the JDK named for a signal means that
   * signal; any other means an exit call. None means the JVM ends on its own (last non-daemon thread).
   */
  void inferFromThreads() {
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      if (!inShutdownExit(e.getValue())) {
        continue;
      }
      int code = signalStatus(e.getKey().getName());
      if (code > 0) {
        threadSignal = code;
        return;
      }
      exitCallSeen = true;
    }
  }

  /** 128 + the signal number for the JDK's signal handler threads ({@code "SIGTERM handler"}...), else 0. */
  static int signalStatus(String threadName) {
    if (threadName.equals("SIGTERM handler")) {
      return 128 + 15;
    }
    if (threadName.equals("SIGINT handler")) {
      return 128 + 2;
    }
    if (threadName.equals("SIGHUP handler")) {
      return 128 + 1;
    }
    return 0;
  }

  private static boolean inShutdownExit(StackTraceElement[] stack) {
    for (StackTraceElement f : stack) {
      if ("java.lang.Shutdown".equals(f.getClassName()) && "exit".equals(f.getMethodName())) {
        return true;
      }
    }
    return false;
  }

  /**
   * The JVM's exit code as far as it can be known now, or {@code null} for an exit call whose status was not
   * seen (no exit patch, or not in place yet).
   */
  Integer exitCode() {
    Integer s = status.get();
    if (s != null) {
      return s;
    }
    if (threadSignal > 0) {
      return threadSignal;
    }
    if (exitCallSeen) {
      return null;
    }
    return mainThrew ? 1 : 0;
  }

  /**
   * The signal that ends the JVM (TERM, INT, HUP), or {@code null}: from the thread names; when no thread was
   * seen in {@code Shutdown.exit}, from the patched status (where a {@code System.exit(143)} looks the same).
   */
  String signal() {
    int s = threadSignal;
    if (s == 0 && !exitCallSeen) {
      Integer st = status.get();
      s = st == null ? 0 : st;
    }
    switch (s) {
      case 128 + 15:
        return "SIGTERM";
      case 128 + 2:
        return "SIGINT";
      case 128 + 1:
        return "SIGHUP";
      default:
        return null;
    }
  }
}
