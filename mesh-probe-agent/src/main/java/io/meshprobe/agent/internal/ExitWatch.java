package io.meshprobe.agent.internal;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The exit hook ({@link JdkPatcher#EXIT}): learns how the JVM ends. {@code java.lang.Shutdown.exit(int)} is where
 * both {@code System.exit}/{@code Runtime.exit} and the JVM's own SIGTERM/SIGINT/SIGHUP handlers
 * ({@code java.lang.Terminator}, status 128 + signal number) go, from Java 8 to 25, so the first status seen
 * there says "exit call" or "signal" without touching signal handling at all. When the JVM ends because the
 * last non-daemon thread ended, {@code Shutdown.exit} is never called; then the status is 1 if the main thread
 * died of an uncaught exception (seen in {@code Thread.dispatchUncaughtException}), else 0, like the launcher's.
 */
final class ExitWatch implements Function<Object, Object> {
  private final Thread main;
  private final AtomicReference<Integer> status = new AtomicReference<Integer>();
  private volatile boolean mainThrew;
  private volatile boolean installed;

  ExitWatch(Thread main) {
    this.main = main;
  }

  void installed() {
    installed = true;
  }

  /** Whether the JDK methods were patched; if not, nothing is known about the exit. */
  boolean isInstalled() {
    return installed;
  }

  @Override
  public Object apply(Object o) {
    if (o instanceof Integer) {
      status.compareAndSet(null, (Integer) o);
    } else if (o instanceof Throwable && Thread.currentThread() == main) {
      mainThrew = true;
    }
    return o;
  }

  /** The status passed to the first {@code Shutdown.exit}, or {@code null} when the JVM ended on its own. */
  Integer exitCall() {
    return status.get();
  }

  /** The JVM's exit code as far as it can be known now. */
  int exitCode() {
    Integer s = status.get();
    return s != null ? s : mainThrew ? 1 : 0;
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
