package io.meshprobe.testkit;

import java.time.Duration;
import java.util.Locale;

/** Parses the command-line duration syntax: {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, {@code 0}. */
final class Durations {
  private Durations() {
  }

  static Duration parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      } else if (t.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.endsWith("h")) {
        return Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1)));
      } else if (t.equals("0")) {
        return Duration.ZERO;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("bad duration '" + text + "' (use e.g. 500ms, 2s, 1m)");
  }
}
