package io.meshprobe.agent.internal;

import java.util.concurrent.CountDownLatch;

/**
 * Forked by {@link ExitWatchTest}: watches its own end with an {@link ExitWatch} (no exit patch), ends the way
 * {@code args[0]} says, and prints what the watch learned from a shutdown hook, as the agent's quit hook asks it.
 */
public final class ExitWatchMain {
  private ExitWatchMain() {}

  public static void main(String[] args) throws Exception {
    ExitWatch watch = new ExitWatch(Thread.currentThread());
    watch.watchMainThread();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  watch.inferFromThreads();
                  System.out.println("exitCode=" + watch.exitCode() + " signal=" + watch.signal());
                  System.out.flush();
                }));
    switch (args[0]) {
      case "signal":
        System.out.println("waiting");
        System.out.flush();
        new CountDownLatch(1).await(); // until the test's signal ends the JVM
        break;
      case "exit":
        System.exit(7);
        break;
      case "throw":
        throw new IllegalStateException("app failed");
      default: // "return": the last non-daemon thread ends
        break;
    }
  }
}
