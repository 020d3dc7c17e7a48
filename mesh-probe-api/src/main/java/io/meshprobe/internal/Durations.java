package io.meshprobe.internal;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Parses durations as people write them in config: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, or ISO-8601 {@code PT5S}. */
public final class Durations {
  private Durations() {}

  public static Duration parse(String name, String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (value.startsWith("pt") || value.startsWith("p")) {
        return nonNegative(name, text, Duration.parse(value.toUpperCase(Locale.ROOT)));
      }
      if (value.endsWith("ms")) {
        return nonNegative(name, text, Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2).trim())));
      }
      char unit = value.isEmpty() ? ' ' : value.charAt(value.length() - 1);
      String number = value.substring(0, Math.max(0, value.length() - 1)).trim();
      switch (unit) {
        case 's':
          return nonNegative(name, text, Duration.ofMillis(Math.round(Double.parseDouble(number) * 1000)));
        case 'm':
          return nonNegative(name, text, Duration.ofSeconds(Long.parseLong(number) * 60));
        case 'h':
          return nonNegative(name, text, Duration.ofSeconds(Long.parseLong(number) * 3600));
        default:
          // A bare number means milliseconds, as in most agents' config.
          return nonNegative(name, text, Duration.ofMillis(Long.parseLong(value)));
      }
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          name + " must be a duration such as 500ms, 5s or 2m, but was '" + text + "'", e);
    }
  }

  private static Duration nonNegative(String name, String text, Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative, but was '" + text + "'");
    }
    return d;
  }

  /** {@code 1.5s}, {@code 250ms}: short and readable, for log lines. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms % 1000 == 0) {
      return (ms / 1000) + "s";
    }
    return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
  }
}
