package io.meshprobe.internal.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One URL, parsed once: the address to connect to, and the request bytes of a GET and a POST, built once. Only the
 * request line, {@code Host}, {@code User-Agent} and {@code Accept} (and for a POST an empty body and
 * {@code Connection: close}) are ever sent.
 */
final class Target {
  final String url;
  final String host;
  final int port;
  /** {@code host:port}: connections are kept per origin. */
  final String origin;
  final boolean loopbackName;
  final byte[] get;
  final byte[] post;

  private Target(String url, String host, int port, byte[] get, byte[] post) {
    this.url = url;
    this.host = host;
    this.port = port;
    this.origin = host + ":" + port;
    this.loopbackName = isLoopbackLiteral(host);
    this.get = get;
    this.post = post;
  }

  static Target parse(String url) throws IOException {
    // Parsed by hand, not with java.net.URI: admin queries carry characters URI refuses (Envoy's stats filters: '|').
    if (!url.regionMatches(true, 0, "http://", 0, 7)) {
      throw new IOException("only plain http://host:port/path URLs are asked: " + url);
    }
    int slash = url.length();
    for (int i = 7; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        slash = i;
        break;
      }
    }
    String authority = url.substring(7, slash);
    if (authority.indexOf('@') >= 0) {
      throw new IOException("only plain http://host:port/path URLs are asked: " + url);
    }
    String host;
    int port = 80;
    String portText = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw new IOException("not a URL (unclosed IPv6 literal): " + url);
      }
      host = authority.substring(0, close + 1);
      if (close + 1 < authority.length()) {
        if (authority.charAt(close + 1) != ':') {
          throw new IOException("not a URL (bad port): " + url);
        }
        portText = authority.substring(close + 2);
      }
    } else {
      int colon = authority.indexOf(':');
      host = colon < 0 ? authority : authority.substring(0, colon);
      portText = colon < 0 ? null : authority.substring(colon + 1);
    }
    if (portText != null) {
      try {
        port = Integer.parseInt(portText);
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new IOException("not a URL (bad port): " + url);
      }
    }
    if (host.isEmpty()) {
      throw new IOException("not a URL (no host): " + url);
    }
    host = host.toLowerCase(Locale.ROOT);
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']')) {
        throw new IOException("not a URL (bad host): " + url);
      }
    }
    int hash = url.indexOf('#', slash);
    String target = url.substring(slash, hash < 0 ? url.length() : hash);
    if (target.isEmpty() || target.charAt(0) == '?') {
      target = "/" + target;
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw new IOException("request target with a control, space or non-ASCII character: " + url);
      }
    }
    String hostHeader = (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    String common = " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: mesh-probe\r\nAccept: */*\r\n";
    byte[] get = ("GET " + target + common + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] post = ("POST " + target + common + "Content-Length: 0\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    return new Target(url, host, port, get, post);
  }

  /** The address to connect to; a literal is never looked up, and {@code localhost} is the loopback address. */
  InetSocketAddress address() throws IOException {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    InetAddress a = "localhost".equals(h) ? InetAddress.getLoopbackAddress() : InetAddress.getByName(h);
    return new InetSocketAddress(a, port);
  }

  static boolean isLoopbackLiteral(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return "localhost".equals(h) || h.startsWith("127.") && digitsAndDots(h) || "::1".equals(h) || "0:0:0:0:0:0:0:1".equals(h);
  }

  /** {@code [0-9.]+} without a regex: java.util.regex is a cold path (and spins lambdas) in premain. */
  private static boolean digitsAndDots(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if ((ch < '0' || ch > '9') && ch != '.') {
        return false;
      }
    }
    return !s.isEmpty();
  }
}
