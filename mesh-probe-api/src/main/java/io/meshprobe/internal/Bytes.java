package io.meshprobe.internal;

import java.util.Locale;

/** Parses sizes (zero allowed; callers that need a positive size check it): {@code 65536}, {@code 64KiB}, {@code 16MiB}, {@code 1GiB} (KB/MB/GB are read as the binary units too). */
public final class Bytes {
  private Bytes() {}

  public static long parse(String name, String text) {
    String value = text.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
    long factor = 1;
    if (value.endsWith("k")) {
      factor = 1L << 10;
    } else if (value.endsWith("m")) {
      factor = 1L << 20;
    } else if (value.endsWith("g")) {
      factor = 1L << 30;
    }
    if (factor != 1) {
      value = value.substring(0, value.length() - 1).trim();
    }
    try {
      long n = Long.parseLong(value);
      if (n < 0) {
        throw new IllegalArgumentException(name + " must not be negative, but was '" + text + "'");
      }
      return n * factor;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a size such as 65536, 64KiB or 16MiB, but was '" + text + "'", e);
    }
  }
}
