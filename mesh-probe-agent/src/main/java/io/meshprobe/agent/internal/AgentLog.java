package io.meshprobe.agent.internal;

import io.meshprobe.internal.Log;
import java.util.Locale;

/**
 * The agent's log: one line per event on stderr, prefixed {@code mesh-probe: }. Never stdout (apps print data
 * there) and never a logging framework: in premain the app's logging is not configured yet, and initialising
 * {@code java.util.logging} early breaks apps that install their own {@code LogManager}.
 *
 * <p>Level {@code meshprobe.log.level} = {@code off|error|warn|info|debug}, default {@code info}: one line when a
 * proxy is found and one when it is asked to quit, nothing at all without a mesh. The library's own messages
 * (redirected here by {@code AgentStarter.newProbe}) come here too: its
 * warnings as warnings, its progress lines at debug.
 */
public final class AgentLog {
  static final int OFF = 0;
  static final int ERROR = 1;
  static final int WARN = 2;
  static final int INFO = 3;
  static final int DEBUG = 4;

  private static volatile int level = parse(System.getProperty("meshprobe.log.level", System.getenv("MESHPROBE_LOG_LEVEL")));

  private AgentLog() {}

  /**
   * Where the library's own log lines go in the agent ({@code Log.redirect}): its warnings as warnings, the rest at
   * debug; never {@code java.util.logging}, which must not start in premain.
   */
  static final Log.Sink SINK =
      new Log.Sink() {
        @Override
        public void log(Log.Level at, String message, Throwable thrown) {
          String line = thrown == null ? message : message + ": " + thrown;
          if (at == Log.Level.WARNING) {
            warn(line);
          } else {
            debug(line);
          }
        }
      };

  static int parse(String value) {
    if (value == null) {
      return INFO;
    }
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "off":
        return OFF;
      case "error":
        return ERROR;
      case "warn":
      case "warning":
        return WARN;
      case "debug":
      case "trace":
        return DEBUG;
      default:
        return INFO;
    }
  }

  /** Whether a line at level {@code at} would be printed: for callers that would build a costly message. */
  static boolean enabled(int at) {
    return level >= at;
  }

  public static boolean isDebug() {
    return level >= DEBUG;
  }

  public static void error(String message) {
    print(ERROR, message);
  }

  public static void warn(String message) {
    print(WARN, message);
  }

  public static void info(String message) {
    print(INFO, message);
  }

  public static void debug(String message) {
    print(DEBUG, message);
  }

  /** A line at level {@code at}. Never throws: under memory pressure a line that cannot be built or printed is dropped. */
  static void log(int at, String message) {
    print(at, message);
  }

  private static void print(int at, String message) {
    try {
      if (level >= at) {
        System.err.println(message.startsWith("mesh-probe: ") ? message : "mesh-probe: " + message);
      }
    } catch (Throwable dropped) {
      // OutOfMemoryError while concatenating or printing: stay quiet
    }
  }
}
