package io.meshprobe.agent.internal;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Learns how the JVM ends, for the quit policy.
 *
 * <ul>
 *   <li><b>Exit calls and signals.</b> The exit hook ({@link JdkPatcher#EXIT}) sees the status passed to
 *       {@code java.lang.Shutdown.exit(int)}, where both {@code System.exit}/{@code Runtime.exit} and the JVM's
 *       own SIGTERM/SIGINT/SIGHUP handlers ({@code java.lang.Terminator}, status 128 + signal number) go, from
 *       Java 8 to 25. The patch is applied on a background thread (the ASM work costs tens of ms, too much for
 *       premain), so a JVM can end before it is in place. Then {@link #inferFromThreads()}, called by the quit
 *       hook, looks for the thread blocked in {@code Shutdown.exit}: a thread the JDK names
 *       {@code SIGTERM handler} (or INT, HUP) means that signal; any other means an exit call whose status is
 *       unknown.
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
  private volatile boolean exitCallUnknownStatus;

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
   * At shutdown, when the exit patch was not in place yet: finds the thread blocked in {@code Shutdown.exit}
   * and infers the signal from its name, or records an exit call with an unknown status.
   */
  void inferFromThreads() {
    if (installed || status.get() != null) {
      return;
    }
    for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
      if (!inShutdownExit(e.getValue())) {
        continue;
      }
      String name = e.getKey().getName();
      int code = signalStatus(name);
      if (code > 0) {
        status.compareAndSet(null, code);
        return;
      }
      exitCallUnknownStatus = true;
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

  /** The status passed to the first {@code Shutdown.exit}, or {@code null} when the JVM ended on its own or it is unknown. */
  Integer exitCall() {
    return status.get();
  }

  /** The JVM's exit code as far as it can be known now, or {@code null} for an exit call whose status was not seen. */
  Integer exitCode() {
    Integer s = status.get();
    if (s != null) {
      return s;
    }
    if (exitCallUnknownStatus) {
      return null;
    }
    return mainThrew ? 1 : 0;
  }

  /** The signal that ends the JVM (TERM, INT, HUP), or {@code null}. A {@code System.exit(143)} looks the same. */
  String signal() {
    Integer s = status.get();
    if (s == null) {
      return null;
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
