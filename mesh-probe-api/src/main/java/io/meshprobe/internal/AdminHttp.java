package io.meshprobe.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The small, hot requests of start-up and shutdown (detection, readiness polls, quit), made with the JDK's
 * {@link HttpURLConnection}.
 *
 * <p>Why not OkHttp here: building an {@code OkHttpClient} costs 0.2–0.4 s of class loading at JVM start
 * (see the project's start-up measurements), and these requests sit on the app's critical path: before
 * it starts, and after its last shutdown hook. The JDK client is already loaded, keeps connections
 * alive, and costs a few ms on its first call. Bulky reads (config dumps) go through OkHttp, off the
 * critical path.
 *
 * <p>Every call has a total deadline (connect, headers and body), never follows redirects, never uses a
 * configured HTTP proxy, and reads at most {@code maxBody} bytes.
 */
public final class AdminHttp {
  private final Duration timeout;
  private final long maxBody;

  public AdminHttp(Duration timeout, long maxBody) {
    this.timeout = timeout;
    this.maxBody = maxBody;
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

  public Answer request(String method, String url, Duration deadline) throws IOException {
    long budgetMs = Math.max(1, Math.min(deadline.toMillis(), timeout.toMillis()));
    long end = System.nanoTime() + budgetMs * 1_000_000L;
    HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection(Proxy.NO_PROXY);
    try {
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      c.setConnectTimeout(Math.max(1, (int) budgetMs));
      c.setReadTimeout(Math.max(1, (int) budgetMs));
      c.setRequestMethod(method);
      c.setRequestProperty("Accept", "*/*");
      c.setRequestProperty("User-Agent", "mesh-probe");
      if ("POST".equals(method)) {
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(0);
        OutputStream out = c.getOutputStream();
        out.close();
      }
      int code = c.getResponseCode();
      if (code < 0) {
        throw new IOException("not an HTTP answer from " + url);
      }
      InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream();
      String body = in == null ? "" : readCapped(in, end, url);
      return new Answer(code, body, c.getHeaderField("server"));
    } catch (IOException | RuntimeException e) {
      c.disconnect();
      throw e;
    }
  }

  private String readCapped(InputStream in, long end, String url) throws IOException {
    try (InputStream body = in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream(64);
      byte[] buf = new byte[8192];
      long total = 0;
      int n;
      while ((n = body.read(buf)) != -1) {
        total += n;
        if (total > maxBody) {
          throw new IOException("response from " + url + " is larger than " + maxBody + " bytes (meshprobe.http.max-body)");
        }
        out.write(buf, 0, n);
        if (System.nanoTime() - end > 0) {
          throw new SocketTimeoutException("response from " + url + " took longer than its deadline");
        }
      }
      return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
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
