package io.meshprobe.agent.it.apps;

/**
 * A {@code -javaagent} placed before mesh-probe's that registers a shutdown hook in its premain, as the OpenTelemetry
 * Java agent does: mesh-probe's quit must wait for it too. Its hook works {@code args} milliseconds, then prints
 * {@code early-hook-end <epochMillis>} as its last action.
 */
public final class EarlyHookAgent {
  private EarlyHookAgent() {}

  public static void premain(String args, java.lang.instrument.Instrumentation inst) {
    final long millis = Long.parseLong(args);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    Thread.sleep(millis);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  System.out.println("early-hook-end " + System.currentTimeMillis());
                },
                "early-agent-hook"));
  }
}
