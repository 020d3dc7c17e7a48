package io.meshprobe.internal.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
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
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IOException("not a URL: " + e.getReason());
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null || uri.getRawUserInfo() != null) {
      throw new IOException("only plain http://host:port/path URLs are asked: " + url);
    }
    String host = uri.getHost().toLowerCase(Locale.ROOT);
    int port = uri.getPort() == -1 ? 80 : uri.getPort();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
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
    return "localhost".equals(h) || h.startsWith("127.") && h.matches("[0-9.]+") || "::1".equals(h) || "0:0:0:0:0:0:0:1".equals(h);
  }
}
