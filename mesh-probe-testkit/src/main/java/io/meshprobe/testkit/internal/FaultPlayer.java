package io.meshprobe.testkit.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays the faults scripted for one fake sidecar, path by path, on the raw connection of a
 * {@link MiniHttpServer.Exchange}: what OkHttp's mockwebserver3 does with a response's socket effects. The
 * dispatchers never see a faulted request, except a {@link FaultScript.Kind#FLAPPING flapping} one: flapping
 * does not break the connection, it only changes the readiness the dispatcher reports ({@link #flap}).
 */
public final class FaultPlayer {

  private static final byte[] GARBAGE = "\u0000\u0015\u0003garbage: this port does not speak HTTP\r\n\u00ff\u00fe\r\n\r\n"
      .getBytes(StandardCharsets.ISO_8859_1);

  private final Map<String, FaultScript> faults;
  private final ConcurrentMap<String, AtomicLong> flapCounters = new ConcurrentHashMap<String, AtomicLong>();

  /** The faults by path (no query); the map is copied. */
  public FaultPlayer(Map<String, FaultScript> faults) {
    this.faults = Collections.unmodifiableMap(new LinkedHashMap<String, FaultScript>(faults));
  }

  /** The fault scripted for {@code path}, or null. */
  public FaultScript faultOn(String path) {
    return faults.get(path);
  }

  /**
   * For a {@link FaultScript.Kind#FLAPPING flapping} path: the readiness to report to this request, alternating
   * not ready, ready, not ready... per path (every port serving it shares the counter).
   */
  public boolean flap(String path) {
    AtomicLong counter = flapCounters.get(path);
    if (counter == null) {
      flapCounters.putIfAbsent(path, new AtomicLong());
      counter = flapCounters.get(path);
    }
    return counter.getAndIncrement() % 2 == 1;
  }

  /**
   * Plays a fault that answers or breaks the connection itself (every kind but flapping), in the header style
   * of the server on that port.
   */
  public void play(FaultScript f, Response.Style style, MiniHttpServer.Exchange ex) throws IOException {
    switch (f.kind()) {
      case STATUS:
        ex.respond(Response.text(style, f.statusCode(), f.body()));
        break;
      case REDIRECT:
        ex.respond(Response.empty(style, 302).header("Location", f.location()));
        break;
      case HANG:
        ex.hangUntilClosed();
        break;
      case RESET:
        ex.reset();
        break;
      case RESET_BEFORE_BODY:
        head(ex, style, "application/json", 4096);
        ex.out().flush();
        // A moment for the head to be read: a reset may otherwise discard it in the client's kernel.
        ex.awaitServerClosed(TimeUnit.MILLISECONDS.toNanos(50));
        ex.reset();
        break;
      case HEADERS_THEN_HANG:
        head(ex, style, "application/json", 4096);
        ex.out().flush();
        ex.hangUntilClosed();
        break;
      case GARBAGE:
        ex.out().write(GARBAGE);
        ex.flushAndClose();
        break;
      case SLOW_BODY:
        slowBody(f, style, ex);
        break;
      case HUGE_BODY:
        hugeBody(f, style, ex);
        break;
      default:
        throw new IllegalStateException("not a socket fault: " + f);
    }
  }

  private static void slowBody(FaultScript f, Response.Style style, MiniHttpServer.Exchange ex) throws IOException {
    byte[] body = f.body().getBytes(StandardCharsets.UTF_8);
    head(ex, style, Response.textType(style), body.length);
    OutputStream out = ex.out();
    out.flush();
    long perByte = f.perByte().toNanos();
    for (byte b : body) {
      if (ex.awaitServerClosed(perByte)) {
        throw new IOException("closed while dripping the body");
      }
      out.write(b);
      out.flush();
    }
  }

  private static void hugeBody(FaultScript f, Response.Style style, MiniHttpServer.Exchange ex) throws IOException {
    head(ex, style, "application/octet-stream", f.bytes());
    byte[] chunk = new byte[64 * 1024];
    for (int k = 0; k < chunk.length; k++) {
      chunk[k] = (byte) (k % 64 == 63 ? '\n' : 'a' + k % 26);
    }
    OutputStream out = ex.out();
    long left = f.bytes();
    while (left > 0) {
      int n = (int) Math.min(chunk.length, left);
      out.write(chunk, 0, n);
      left -= n;
    }
    out.flush();
  }

  private static void head(MiniHttpServer.Exchange ex, Response.Style style, String contentType, long length)
      throws IOException {
    List<String[]> headers = new ArrayList<String[]>();
    headers.add(new String[] {"Content-Type", contentType});
    ex.out().write(Response.statusAndHeaders(style, 200, headers, length, ex.clientWantsClose()).toString()
        .getBytes(StandardCharsets.ISO_8859_1));
  }
}
