package io.meshprobe.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/** Checks admin and quit URLs: plain http, and loopback unless remote admin URLs are explicitly allowed. */
public final class Urls {
  private Urls() {}

  /** Returns the URL without a trailing slash, or throws {@link IllegalArgumentException} saying what is wrong. */
  public static String checked(String name, String url, boolean allowRemote) {
    URI uri;
    try {
      uri = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(name + " is not a URL: '" + url + "'", e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new IllegalArgumentException(name + " must be an http:// URL (the proxy's admin API is plain HTTP), but was '" + url + "'");
    }
    String host = uri.getHost();
    if (host == null || uri.getPort() == 0) {
      throw new IllegalArgumentException(name + " has no host or a bad port: '" + url + "'");
    }
    if (!allowRemote && !isLoopback(host)) {
      throw new IllegalArgumentException(
          name
              + " must point at loopback (127.0.0.1, ::1, localhost), but was '"
              + url
              + "'; set meshprobe.admin.allow-remote=true to allow other hosts");
    }
    String s = uri.toString();
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  static boolean isLoopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    // Only literal addresses count; a name other than localhost is never resolved here.
    if (!digitsAndDots(h) && !h.contains(":")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Whether {@code s} is one or more of {@code 0-9} and {@code .}: a loop, not a regex (this runs in premain). */
  private static boolean digitsAndDots(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if ((ch < '0' || ch > '9') && ch != '.') {
        return false;
      }
    }
    return true;
  }
}
