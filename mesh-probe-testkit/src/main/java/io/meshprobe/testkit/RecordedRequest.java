package io.meshprobe.testkit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP request as a {@link FakeSidecar} received it. Immutable. */
public final class RecordedRequest {
  private final String method;
  private final String target;
  private final String path;
  private final String query;
  private final Map<String, String> headers;
  private final String body;
  private final int port;
  private final long epochMillis;
  private final long nanoTime;

  RecordedRequest(String method, String target, Map<String, String> headers, String body, int port,
      long epochMillis, long nanoTime) {
    this.method = method;
    this.target = target;
    int q = target.indexOf('?');
    this.path = q < 0 ? target : target.substring(0, q);
    this.query = q < 0 ? null : target.substring(q + 1);
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<String, String>(headers));
    this.body = body;
    this.port = port;
    this.epochMillis = epochMillis;
    this.nanoTime = nanoTime;
  }

  /** The request method, e.g. {@code GET}. */
  public String method() {
    return method;
  }

  /** The path, without the query string: {@code /config_dump}. */
  public String path() {
    return path;
  }

  /** The raw query string without {@code ?} ({@code mask=bootstrap}), or {@code null} if the target had none. */
  public String query() {
    return query;
  }

  /** The raw request target as sent: {@code /config_dump?mask=bootstrap}. */
  public String target() {
    return target;
  }

  /** Header names in lower case; repeated headers are joined with {@code ", "}. Unmodifiable. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Shortcut for {@code headers().get(name.toLowerCase())}. */
  public String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }

  /** The request body decoded as UTF-8; empty if there was none. */
  public String body() {
    return body;
  }

  /** The local port the request arrived on (so you can tell 15020 from 15021). */
  public int port() {
    return port;
  }

  /** {@link System#currentTimeMillis()} when the request head had been read. */
  public long epochMillis() {
    return epochMillis;
  }

  /** {@link System#nanoTime()} when the request head had been read; compare with your own nanoTime readings. */
  public long nanoTime() {
    return nanoTime;
  }

  @Override
  public String toString() {
    return method + " " + target + " (port " + port + ")";
  }
}
