package io.meshprobe.internal.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The probe's HTTP client for the proxy's admin ports: HTTP/1.1 GET and POST on a plain {@link java.net.Socket},
 * with one total deadline per call (connect, head and body), capped bodies, no redirects, no proxy, and only loopback
 * hosts or the configured admin URLs' own hosts.
 *
 * <p>Why not a library, as the project does for JSON and X.509: the admin requests must be invisible to the app and
 * to the app's other agents, and cheap enough to poll every few ms.
 *
 * <ul>
 *   <li>The JDK's {@code HttpURLConnection} and {@code java.net.http.HttpClient}, and OkHttp ({@code okhttp3.*}),
 *       are matched by class name by the OpenTelemetry Java agent and other tracers: each readiness poll became an
 *       exported CLIENT span (24 during a 2 s wait, each poll ~80 ms instead of a few). OkHttp could be relocated
 *       inside mesh-probe's agent jar, but not for the library's own users, who get it unrelocated from Maven.
 *       {@code HttpURLConnection} also reads the app's {@code http.*} system properties once, at first use (in
 *       premain, before the app's {@code main} sets them), and has no total deadline (connect + read timeouts, a
 *       call could take ~3× {@code meshprobe.http.timeout}).
 *   <li>Cost per poll: ~0.45 ms of CPU through {@code HttpURLConnection} in a cold JVM (5.8 % of a core at the 8 ms
 *       poll); here a kept-alive connection, request bytes built once per URL, one read buffer per connection: ~6 µs
 *       of CPU per exchange when hot; on a loaded 2-core machine the whole wait took 2.9-4.4× less CPU than the old
 *       client's in the same runs (docs/benchmarks.md, figure 2).
 *   <li>Start-up and size: OkHttp with Kotlin was half of the agent jar's ~2,000 entries, which the JVM indexes at
 *       every start.
 * </ul>
 *
 * <p>What is asked is narrow: our own requests (request line, {@code Host}, {@code User-Agent}, {@code Accept}) to an
 * admin API on loopback, answers with {@code Content-Length}, chunked, or to the end of the connection. No TLS, no
 * HTTP/2, no cookies, no auth, no redirects, no compression. What a hostile or broken peer can do is bounded: the
 * head is capped ({@value #MAX_HEAD_BYTES} bytes, status line and headers together), a chunk-size line at 1 KiB, the
 * body at the caller's cap, and every read waits at most until the call's deadline, so a peer that drips one byte
 * at a time, or sends headers and then nothing, ends the call by then. (The one step outside the deadline: looking up
 * a host name other than {@code localhost}, only possible with {@code meshprobe.admin.allow-remote}.)
 *
 * <p>Errors: {@link java.net.ConnectException} when nothing listens (refused), {@link SocketTimeoutException} when
 * the deadline passed (or, for a streamed read, the peer sent nothing for its idle limit), {@link MalformedResponseException} for an answer that is not HTTP/1.x,
 * {@link HttpStatusException} when a streamed read got a non-2xx status, and a plain {@link IOException} for a body
 * over its cap. Messages never quote bytes of the answer.
 *
 * <p>Thread-safe. One idle connection per origin is kept for the next GET (the readiness poll reuses it); a POST
 * always opens a fresh connection and closes it, so a quit never lands on a connection the peer dropped while idle.
 */
public final class LoopbackHttp implements AutoCloseable {

  /** Reads a streamed body. */
  public interface BodyReader<T> {
    T read(InputStream body) throws IOException;
  }

  /** Cap of an answer's head: status line and headers together. */
  public static final int MAX_HEAD_BYTES = 64 * 1024;

  private static final int MAX_TARGETS = 64;

  private final Set<String> remoteHosts;
  private final ConcurrentHashMap<String, Target> targets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Connection> idle = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * @param remoteHosts hosts other than loopback that may be asked: the hosts of the configured admin URLs, which
   *     were checked against {@code meshprobe.admin.allow-remote} already
   */
  public LoopbackHttp(Collection<String> remoteHosts) {
    Set<String> hosts = new HashSet<>();
    for (String h : remoteHosts) {
      hosts.add(h.toLowerCase(Locale.ROOT));
    }
    this.remoteHosts = hosts;
  }

  /**
   * Makes one request and reads the whole answer (body capped at {@code maxBody}).
   *
   * @param method {@code GET} or {@code POST} (empty body)
   * @param deadlineNanos {@link System#nanoTime()} by which the whole call ends
   * @param timeoutMillis the budget the deadline came from, named in a timeout's message
   */
  public Response exchange(String method, String url, long deadlineNanos, int timeoutMillis, long maxBody)
      throws IOException {
    Body body = open(method, url, deadlineNanos, timeoutMillis, 0, maxBody);
    try {
      long announced = body.contentLength();
      if (announced == 0) {
        return new Response(body.code, "", body.server); // a poll's empty 503: no buffer, no string
      }
      long limit = Math.min(maxBody + 1, Integer.MAX_VALUE - 8); // room for one byte over the cap, so the cap is seen
      byte[] data = new byte[(int) Math.min(announced >= 0 ? announced : 512, limit)];
      int n = 0;
      while (true) {
        if (n == data.length) {
          if (n >= limit) {
            break;
          }
          data = Arrays.copyOf(data, (int) Math.min(limit, Math.max(512, (long) n * 2)));
        }
        int r = body.read(data, n, data.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      return new Response(body.code, new String(data, 0, n, StandardCharsets.UTF_8), body.server);
    } finally {
      body.close();
    }
  }

  /**
   * GETs {@code url} and hands the body to {@code reader} as a stream capped at {@code maxBody} and bounded by the
   * deadline; a peer that sends nothing for {@code idleMillis} (0: no such limit) ends the call sooner. A non-2xx
   * answer is an {@link HttpStatusException}; its body is not read.
   */
  public <T> T get(String url, long deadlineNanos, int timeoutMillis, int idleMillis, long maxBody, BodyReader<T> reader)
      throws IOException {
    Body body = open("GET", url, deadlineNanos, timeoutMillis, idleMillis, maxBody);
    try {
      if (body.code < 200 || body.code > 299) {
        throw new HttpStatusException("GET", url, body.code);
      }
      return reader.read(body);
    } finally {
      body.close();
    }
  }

  private Body open(String method, String url, long deadline, int timeoutMillis, int idleMillis, long maxBody)
      throws IOException {
    if (closed) {
      throw new IOException("the probe is closed");
    }
    boolean post = "POST".equals(method);
    if (!post && !"GET".equals(method)) {
      throw new IllegalArgumentException("only GET and POST are made: " + method);
    }
    Target t = target(url);
    Connection c = post ? null : idle.remove(t.origin);
    if (c != null) {
      c.deadline(deadline, timeoutMillis, idleMillis);
      try {
        c.send(t.get);
        if (c.readHead(MAX_HEAD_BYTES)) {
          return new Body(this, c, maxBody, url);
        }
        c.close(); // the peer closed the idle connection: ask again on a new one
      } catch (SocketTimeoutException | MalformedResponseException e) {
        c.close();
        throw e;
      } catch (SocketException e) {
        c.close(); // reset or broken pipe on the idle connection: ask again on a new one
      } catch (IOException | RuntimeException e) {
        c.close();
        throw e;
      }
    }
    c = Connection.open(t, t.address(), deadline, timeoutMillis, idleMillis);
    try {
      c.send(post ? t.post : t.get);
      if (!c.readHead(MAX_HEAD_BYTES)) {
        throw new SocketException("the connection closed without an answer");
      }
      return new Body(this, c, maxBody, url);
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  private Target target(String url) throws IOException {
    Target t = targets.get(url);
    if (t == null) {
      t = Target.parse(url);
      if (!t.loopbackName && !remoteHosts.contains(t.host)) {
        throw new IOException(
            "not asking " + t.host + ": only loopback and the hosts of the configured admin URLs are asked (meshprobe.admin.allow-remote)");
      }
      if (targets.size() < MAX_TARGETS) {
        targets.putIfAbsent(url, t);
      }
    }
    return t;
  }

  /** Takes back a connection whose answer was read to its end. */
  void release(Connection c) {
    if (closed || idle.putIfAbsent(c.origin, c) != null) {
      c.close();
    } else if (closed && idle.remove(c.origin, c)) {
      c.close();
    }
  }

  /** Closes the kept-alive connections (e.g. once the wait is over); later calls open new ones. */
  public void closeIdle() {
    for (String origin : idle.keySet()) {
      Connection c = idle.remove(origin);
      if (c != null) {
        c.close();
      }
    }
  }

  /** How many kept-alive connections wait for their next request. */
  public int idleConnections() {
    return idle.size();
  }

  @Override
  public void close() {
    closed = true;
    closeIdle();
  }
}
