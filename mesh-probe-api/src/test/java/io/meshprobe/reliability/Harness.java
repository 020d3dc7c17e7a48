package io.meshprobe.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/** Thread and log bookkeeping shared by the reliability suites. */
final class Harness {
  private Harness() {}

  /**
   * Threads that may outlive a closed probe because they are shared by the process, not owned by the probe:
   * OkHttp's shared task runner and Okio's timeout watchdog (one each per process, idle threads end after 60 s;
   * StressTest checks that they do not grow), the JDK's HTTP keep-alive timer and socket cleaner (one each per
   * process, end when idle), the JDK's process reaper (the exit rows fork a JVM; one pooled thread per process,
   * ends when idle), and the fake sidecar (the test's, not the probe's).
   */
  static boolean shared(String name) {
    return name.startsWith("OkHttp TaskRunner")
        || name.equals("Okio Watchdog")
        || name.equals("Keep-Alive-Timer")
        || name.equals("Keep-Alive-SocketCleaner")
        || name.equals("process reaper")
        || name.startsWith("fake-sidecar")
        || name.startsWith("junit")
        || name.startsWith("ForkJoinPool")
        || name.startsWith("awaitility");
  }

  static Set<Thread> threads() {
    return Thread.getAllStackTraces().keySet();
  }

  /** Threads alive now that were not in {@code before} and are not {@link #shared}. */
  static List<String> newThreads(Set<Thread> before) {
    return threads().stream()
        .filter(t -> t.isAlive() && !before.contains(t) && !shared(t.getName()))
        .map(t -> t.getName() + (t.isDaemon() ? "" : " (non-daemon)"))
        .sorted()
        .collect(Collectors.toList());
  }

  /** Waits up to {@code grace} for the threads started since {@code before} to end; returns those left. */
  static List<String> leakedThreads(Set<Thread> before, Duration grace) {
    try {
      Awaitility.await()
          .pollInterval(10, TimeUnit.MILLISECONDS)
          .atMost(grace.toMillis(), TimeUnit.MILLISECONDS)
          .until(() -> newThreads(before).isEmpty());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // reported below
    }
    return newThreads(before);
  }

  /** Captures the records of the logger {@code io.meshprobe} at INFO and above. */
  static final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("io.meshprobe");
    private final List<LogRecord> records = Collections.synchronizedList(new ArrayList<>());

    LogCapture() {
      setLevel(Level.INFO);
      logger.addHandler(this);
    }

    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.INFO.intValue()) {
        records.add(record);
      }
    }

    List<LogRecord> drain() {
      synchronized (records) {
        List<LogRecord> copy = new ArrayList<>(records);
        records.clear();
        return copy;
      }
    }

    /** Why these records are not clear one-liners, or {@code null} when they are. */
    static String unclear(List<LogRecord> lines) {
      for (LogRecord r : lines) {
        String m = r.getMessage();
        if (r.getThrown() != null) {
          return "a stack trace was logged: " + r.getThrown();
        }
        if (m == null || !m.startsWith("mesh-probe: ") || m.contains("\n") || m.length() > 600) {
          return "not one clear line: " + m;
        }
      }
      return null;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
    }
  }
}
