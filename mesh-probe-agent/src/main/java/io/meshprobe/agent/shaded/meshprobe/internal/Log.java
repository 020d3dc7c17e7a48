package io.meshprobe.agent.shaded.meshprobe.internal;

import io.meshprobe.agent.internal.AgentLog;

/**
 * Replaces the library's {@code io.meshprobe.internal.Log} inside the shaded jar (the shade plugin drops the
 * original and relocates every call to this class). The library logs through {@code java.util.logging}, which
 * must not be initialised from premain; in the agent its messages go to {@link AgentLog} instead: warnings as
 * warnings, progress at debug (the agent prints its own one-line summary).
 */
public final class Log {
  private Log() {}

  public static void info(String message) {
    AgentLog.debug(message);
  }

  public static void warn(String message) {
    AgentLog.warn(message);
  }

  public static void debug(String message) {
    AgentLog.debug(message);
  }

  public static void warn(String message, Throwable t) {
    AgentLog.warn(message + ": " + t);
  }
}
