package io.meshprobe.internal;

/** Makes text from the proxy safe for one log line: no control characters, bounded length. */
public final class Sanitize {
  private Sanitize() {}

  public static String line(String text) {
    StringBuilder sb = new StringBuilder(Math.min(text.length(), 200));
    for (int i = 0; i < text.length() && sb.length() < 200; i++) {
      char c = text.charAt(i);
      sb.append(c < 0x20 || c == 0x7f || Character.isISOControl(c) ? '?' : c);
    }
    return sb.toString();
  }
}
