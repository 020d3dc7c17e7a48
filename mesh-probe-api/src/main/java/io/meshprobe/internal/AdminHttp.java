package io.meshprobe.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshprobe.internal.http.HttpStatusException;
import io.meshprobe.internal.http.LoopbackHttp;
import io.meshprobe.internal.http.MalformedResponseException;
import io.meshprobe.internal.http.Response;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import org.jspecify.annotations.Nullable;

/**
 * Every request the probe makes to the proxy: detection, readiness polls, quit, node metadata, and the bulky status
 * reads streamed into a parser. All go through {@link LoopbackHttp}, the probe's own HTTP/1.1 client on a plain socket
 * (its Javadoc says why not the JDK's client or OkHttp): nothing another agent instruments, nothing the app's
 * {@code http.*} properties or proxy settings change.
 *
 * <p>Deadlines: each call has one total deadline, enforced by {@link LoopbackHttp} on every connect and read (not a
 * connect timeout plus a read timeout per read, which let a call take a multiple of the setting).
 * {@link #get(String)}, {@link #post} and {@link #request} end within {@code meshprobe.http.timeout}, or the shorter
 * deadline given, connect, head and body together; a streamed {@link #get(String, Duration, BodyReader)} ends within
 * the deadline its caller gives (the status read's budget), the reader's work included, or sooner once the proxy has
 * sent nothing for {@code meshprobe.http.timeout}. The one step outside: the lookup of a host name other than
 * {@code localhost}, only with {@code meshprobe.admin.allow-remote}. Small answers are read whole, at
 * most {@value #SMALL_BODY_CAP} bytes (or {@code meshprobe.http.max-body} if smaller); streamed bodies at most
 * {@code meshprobe.http.max-body}. Redirects are never followed: a 3xx is an answer like any other.
 */
public final class AdminHttp implements AutoCloseable {
  /** Answers of detection, readiness and quit are tiny; anything bigger is cut off. */
  public static final long SMALL_BODY_CAP = 1 << 20;

  /** Reads a streamed body. */
  public interface BodyReader<T> extends LoopbackHttp.BodyReader<T> {}

  private final Duration timeout;
  private final long maxBody;
  private final LoopbackHttp client;

  /** A client for loopback hosts only. */
  public AdminHttp(Duration timeout, long maxBody) {
    this(timeout, maxBody, Collections.<String>emptyList());
  }

  /**
   * @param remoteHosts hosts other than loopback that may be asked (the configured admin URLs' hosts, already
   *     checked against {@code meshprobe.admin.allow-remote})
   */
  public AdminHttp(Duration timeout, long maxBody, Collection<String> remoteHosts) {
    this.timeout = timeout;
    this.maxBody = maxBody;
    this.client = new LoopbackHttp(remoteHosts);
  }

  public Duration timeout() {
    return timeout;
  }

  /** A GET with the default deadline. */
  public Answer get(String url) throws IOException {
    return request("GET", url, timeout);
  }

  /** A POST with an empty body. */
  public Answer post(String url, Duration deadline) throws IOException {
    return request("POST", url, deadline);
  }

  /** One call, ended by {@code deadline} or {@code meshprobe.http.timeout}, whichever is shorter. */
  public Answer request(String method, String url, Duration deadline) throws IOException {
    long budgetMs = Math.max(1, Math.min(deadline.toMillis(), timeout.toMillis()));
    long end = System.nanoTime() + budgetMs * 1_000_000L;
    Response r = client.exchange(method, url, end, (int) Math.min(Integer.MAX_VALUE, budgetMs), Math.min(SMALL_BODY_CAP, maxBody));
    return new Answer(r.code, r.body, r.server);
  }

  /**
   * GETs {@code url} and hands the body to {@code reader} as a stream capped at {@code meshprobe.http.max-body}; the
   * whole call (connect, head, body, and the reader's work on it) ends by {@code deadline}, and sooner when the proxy
   * sends nothing for {@code meshprobe.http.timeout} (so one silent endpoint does not take a status read's whole budget). A non-2xx answer is an
   * {@link HttpStatusException}: its {@link HttpStatusException#code()} is the status (the message, {@code "GET <url>
   * answered HTTP <code>"}, is for people).
   */
  public <T> T get(String url, Duration deadline, BodyReader<T> reader) throws IOException {
    long ms = Math.max(1, deadline.toMillis());
    int idle = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    return client.get(url, System.nanoTime() + ms * 1_000_000L, (int) Math.min(Integer.MAX_VALUE, ms), idle, maxBody, reader);
  }

  /** Closes the kept-alive connections, e.g. when the wait is over; later calls open new ones. */
  public void closeIdle() {
    client.closeIdle();
  }

  /** How many kept-alive connections wait for their next request; for tests. */
  public int idleConnections() {
    return client.idleConnections();
  }

  @Override
  public void close() {
    client.close();
  }

  /**
   * A short description of a failed call for logs, notes and results: {@code "connection refused"},
   * {@code "timed out"}, {@code "malformed JSON (JsonEOFException) at line 3, column 7"}. One line, at most 200
   * characters, and never any text of the payload.
   */
  public static String describe(IOException e) {
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    if (e instanceof SocketTimeoutException) {
      return "timed out";
    }
    if (e instanceof HttpStatusException) {
      return Sanitize.line(String.valueOf(e.getMessage())); // "GET <url> answered HTTP 503"
    }
    if (e instanceof MalformedResponseException) {
      return "malformed HTTP answer (" + Sanitize.line(String.valueOf(e.getMessage())) + ")";
    }
    if (e instanceof JsonProcessingException) {
      // Jackson's message quotes the payload ("Unrecognized token '...'") and spans lines: name the place only,
      // so that no payload text (a secrets dump's, say) reaches a note, a log line or the CLI.
      JsonLocation at = ((JsonProcessingException) e).getLocation();
      return "malformed JSON ("
          + e.getClass().getSimpleName()
          + (at == null ? "" : ") at line " + at.getLineNr() + ", column " + at.getColumnNr())
          + (at == null ? ")" : "");
    }
    String message = e.getMessage();
    if (message != null && message.indexOf('\n') >= 0) {
      message = message.substring(0, message.indexOf('\n'));
    }
    return Sanitize.line(e.getClass().getSimpleName() + (message == null ? "" : ": " + message.trim()));
  }

  /** An HTTP answer: status, body (UTF-8, capped) and the {@code server} header. */
  public static final class Answer {
    private static final String[] EMPTY_BODY = new String[500];
    private final int code;
    private final String body;
    private final @Nullable String server;

    public Answer(int code, String body, @Nullable String server) {
      this.code = code;
      this.body = body;
      this.server = server;
    }

    public int code() {
      return code;
    }

    public String body() {
      return body;
    }

    public @Nullable String server() {
      return server;
    }

    public boolean ok() {
      return code >= 200 && code < 300;
    }

    /** {@code "HTTP 503"}, with the first line of a short body when there is one. */
    public String describe() {
      if (body.isEmpty() && code >= 100 && code < 600) {
        String d = EMPTY_BODY[code - 100];
        return d != null ? d : (EMPTY_BODY[code - 100] = "HTTP " + code); // each poll's answer, without a new string
      }
      String first = body.trim();
      int nl = first.indexOf('\n');
      if (nl >= 0) {
        first = first.substring(0, nl);
      }
      if (first.length() > 80) {
        first = first.substring(0, 80) + "…";
      }
      return "HTTP " + code + (first.isEmpty() ? "" : " " + Sanitize.line(first));
    }
  }
}
