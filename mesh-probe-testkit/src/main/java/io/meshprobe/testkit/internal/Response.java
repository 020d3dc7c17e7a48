package io.meshprobe.testkit.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A complete HTTP/1.1 response with a body held in memory, shaped like the server that would send it. */
public final class Response {

  /** Which real server's header conventions to imitate. */
  public enum Style {
    /** Go net/http (pilot-agent): canonical header case, {@code Date}, no {@code Server}. */
    GO,
    /** Envoy admin listener: lower-case, {@code server: envoy}, no-cache, nosniff. */
    ENVOY_ADMIN,
    /** An Envoy route to an upstream (Istio 15021): lower-case, {@code server: envoy}, upstream time. */
    ENVOY_ROUTE,
    /** hyper (linkerd2-proxy admin): lower-case, no {@code Server}. */
    HYPER
  }

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

  private static final Map<Integer, String> REASONS = new HashMap<Integer, String>();

  static {
    String[] pairs = {"100", "Continue", "200", "OK", "204", "No Content", "301", "Moved Permanently",
      "302", "Found", "307", "Temporary Redirect", "400", "Bad Request", "401", "Unauthorized",
      "403", "Forbidden", "404", "Not Found", "405", "Method Not Allowed", "406", "Not Acceptable",
      "408", "Request Timeout", "413", "Payload Too Large", "429", "Too Many Requests",
      "431", "Request Header Fields Too Large", "500", "Internal Server Error", "501", "Not Implemented",
      "502", "Bad Gateway", "503", "Service Unavailable", "504", "Gateway Timeout"};
    for (int i = 0; i < pairs.length; i += 2) {
      REASONS.put(Integer.valueOf(pairs[i]), pairs[i + 1]);
    }
  }

  final int status;
  final Style style;
  private final List<String[]> headers = new ArrayList<String[]>();
  private final byte[] body;

  private Response(Style style, int status, byte[] body) {
    this.style = style;
    this.status = status;
    this.body = body;
  }

  static String reason(int status) {
    String r = REASONS.get(status);
    return r == null ? "Status " + status : r;
  }

  static String httpDate() {
    return HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC));
  }

  /** A response with the standard headers of {@code style}; {@code contentType} may be null for an empty body. */
  static Response of(Style style, int status, String contentType, byte[] body) {
    Response r = new Response(style, status, body);
    if (contentType != null) {
      r.header("Content-Type", contentType);
    }
    switch (style) {
      case ENVOY_ADMIN:
        r.header("cache-control", "no-cache, max-age=0");
        r.header("x-content-type-options", "nosniff");
        break;
      case GO:
        if (status >= 400 && body.length > 0) {
          r.header("X-Content-Type-Options", "nosniff"); // http.Error sets it
        }
        break;
      default:
        break;
    }
    return r;
  }

  static Response text(Style style, int status, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return of(style, status, bytes.length == 0 ? null : textType(style), bytes);
  }

  static Response empty(Style style, int status) {
    return of(style, status, null, new byte[0]);
  }

  /** The {@code text/plain} content type each server writes. */
  static String textType(Style style) {
    switch (style) {
      case GO:
        return "text/plain; charset=utf-8";
      case ENVOY_ADMIN:
      case ENVOY_ROUTE:
        return "text/plain; charset=UTF-8";
      default:
        return "text/plain";
    }
  }

  Response header(String name, String value) {
    headers.add(new String[] {name, value});
    return this;
  }

  /** Writes status line, headers and (unless {@code head}) the body; does not flush. */
  void writeTo(OutputStream out, boolean head, boolean closing) throws IOException {
    StringBuilder sb = statusAndHeaders(style, status, headers, body.length, closing);
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (!head) {
      out.write(body);
    }
  }

  /** Status line and headers, including {@code Date}, {@code Content-Length} and the style's extras. */
  static StringBuilder statusAndHeaders(Style style, int status, List<String[]> headers, long contentLength,
      boolean closing) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
    for (String[] h : headers) {
      appendHeader(sb, style, h[0], h[1]);
    }
    appendHeader(sb, style, "Date", httpDate());
    if (style == Style.ENVOY_ADMIN || style == Style.ENVOY_ROUTE) {
      appendHeader(sb, style, "server", "envoy");
    }
    if (style == Style.ENVOY_ROUTE) {
      appendHeader(sb, style, "x-envoy-upstream-service-time", "0");
    }
    appendHeader(sb, style, "Content-Length", Long.toString(contentLength));
    if (closing) {
      appendHeader(sb, style, "Connection", "close");
    }
    return sb.append("\r\n");
  }

  static void appendHeader(StringBuilder sb, Style style, String name, String value) {
    sb.append(style == Style.GO ? canonical(name) : name.toLowerCase(Locale.ROOT)).append(": ").append(value)
        .append("\r\n");
  }

  /** Go's CanonicalHeaderKey: {@code content-type} becomes {@code Content-Type}. */
  static String canonical(String name) {
    StringBuilder sb = new StringBuilder(name.length());
    boolean upper = true;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      sb.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
      upper = c == '-';
    }
    return sb.toString();
  }
}
