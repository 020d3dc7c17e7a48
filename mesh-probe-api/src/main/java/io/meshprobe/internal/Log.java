package io.meshprobe.internal;

import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * mesh-probe's logging: {@code java.util.logging} under the logger {@code io.meshprobe}, so apps route it with their
 * usual bridges. A host that must not start {@code java.util.logging} (the agent, in premain) installs a
 * {@link Sink} instead, before anything is logged; the JUL logger is only looked up when no sink is set. The levels are
 * this class's own {@link Level}, not JUL's: loading {@code java.util.logging.Level} alone spins lambda classes (its
 * {@code KnownLevel} registry), which a sink in premain does not need.
 */
public final class Log {
  /** A line's level: the {@code java.util.logging} level of the same name and {@link #intValue()}. */
  public enum Level {
    FINE(500),
    INFO(800),
    WARNING(900);

    private final int value;

    Level(int value) {
      this.value = value;
    }

    /** The value of {@code java.util.logging.Level}'s level of the same name. */
    public int intValue() {
      return value;
    }
  }

  /** Where log lines go instead of {@code java.util.logging}. */
  public interface Sink {
    void log(Level level, String message, @Nullable Throwable thrown);
  }

  private static volatile @Nullable Sink sink;

  private Log() {}

  /** Sends every later line to {@code sink} instead of {@code java.util.logging}; {@code null} goes back to JUL. */
  public static void redirect(@Nullable Sink to) {
    sink = to;
  }

  public static void info(String message) {
    log(Level.INFO, message, null);
  }

  public static void warn(String message) {
    log(Level.WARNING, message, null);
  }

  public static void debug(String message) {
    log(Level.FINE, message, null);
  }

  public static void warn(String message, Throwable t) {
    log(Level.WARNING, message, t);
  }

  private static void log(Level level, String message, @Nullable Throwable thrown) {
    Sink s = sink;
    if (s != null) {
      s.log(level, message, thrown);
      return;
    }
    Logger logger = Jul.LOGGER;
    java.util.logging.Level jul =
        level == Level.WARNING ? java.util.logging.Level.WARNING : level == Level.INFO ? java.util.logging.Level.INFO : java.util.logging.Level.FINE;
    if (logger.isLoggable(jul)) {
      if (thrown == null) {
        logger.log(jul, "mesh-probe: " + message);
      } else {
        logger.log(jul, "mesh-probe: " + message, thrown);
      }
    }
  }

  /** Holder: the JUL logger (and with it the LogManager) is created on first use, never when a sink is set. */
  private static final class Jul {
    static final Logger LOGGER = Logger.getLogger("io.meshprobe");
  }
}
