package io.meshprobe.internal;

import java.util.logging.Level;
import java.util.logging.Logger;

/** mesh-probe's logging: {@code java.util.logging} under the logger {@code io.meshprobe}, so apps route it with their usual bridges. */
public final class Log {
  private static final Logger LOGGER = Logger.getLogger("io.meshprobe");

  private Log() {}

  public static void info(String message) {
    LOGGER.log(Level.INFO, "mesh-probe: " + message);
  }

  public static void warn(String message) {
    LOGGER.log(Level.WARNING, "mesh-probe: " + message);
  }

  public static void debug(String message) {
    LOGGER.log(Level.FINE, "mesh-probe: " + message);
  }

  public static void warn(String message, Throwable t) {
    LOGGER.log(Level.WARNING, "mesh-probe: " + message, t);
  }
}
