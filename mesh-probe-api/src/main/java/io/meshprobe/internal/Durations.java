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
          // Whole seconds (the common case) without Double.parseDouble, whose FloatingDecimal is a cold path in premain.
          return nonNegative(
              name, text, Duration.ofMillis(wholeNumber(number) ? Long.parseLong(number) * 1000 : Math.round(Double.parseDouble(number) * 1000)));
        case 'm':
          return nonNegative(name, text, Duration.ofSeconds(Long.parseLong(number) * 60));
        case 'h':
          return nonNegative(name, text, Duration.ofSeconds(Long.parseLong(number) * 3600));
        default:
          // A bare number means milliseconds, as in most agents' config.
          return nonNegative(name, text, Duration.ofMillis(Long.parseLong(value)));
      }
    } catch (RuntimeException e) {
      // Not a multi-catch of NumberFormatException | DateTimeParseException: the verifier would load both exception
      // classes (outside the CDS archive) each time this class is loaded, in premain too.
      if (e instanceof NumberFormatException || e instanceof DateTimeParseException) {
        throw new IllegalArgumentException(
            name + " must be a duration such as 500ms, 5s or 2m, but was '" + text + "'", e);
      }
      throw e;
    }
  }

  /** One to 15 ASCII digits (no sign, no overflow when multiplied by 1000). */
  private static boolean wholeNumber(String s) {
    if (s.isEmpty() || s.length() > 15) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
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
    long tenths = (ms + 50) / 100; // %.1f's half-up rounding, without java.util.Formatter
    return (tenths / 10) + "." + (tenths % 10) + "s";
  }
}
