package io.meshprobe.envoytests;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A STAND-IN for Istio's pilot-agent status server (15020), not pilot-agent: only the parts mesh-probe talks to, with
 * pilot-agent's rules (istio/istio {@code pilot/cmd/pilot-agent/status}):
 *
 * <ul>
 *   <li>{@code /healthz/ready}: 200 with an empty body when Envoy's own stats say it is configured and live
 *       ({@code cluster_manager.cds.update_success > 0}, {@code listener_manager.lds.update_success > 0},
 *       {@code server.state == 0}, {@code listener_manager.workers_started == 1}), else 503 with an empty body; once
 *       ready the answer is latched, until a quit begins;
 *   <li>{@code POST /quitquitquit}: loopback callers only (403 otherwise), POST only (405 otherwise); answers
 *       {@code 200 OK}, then makes the real Envoy exit. pilot-agent aborts Envoy; the stand-in asks Envoy's own
 *       {@code POST /quitquitquit}, so that Envoy's exit code can be observed;
 *   <li>{@code /stats/prometheus}: Envoy's {@code /stats/prometheus}, passed through (pilot-agent merges its own and
 *       the app's series in; the stand-in has none).
 * </ul>
 *
 * Everything else answers 404. The Envoy behind it is real.
 */
public final class PilotAgentStandIn implements AutoCloseable {
  static final String CONFIG_STATS =
      "/stats?usedonly&filter=" + enc("^(cluster_manager\\.cds|listener_manager\\.lds)\\.(update_success|update_rejected)$");
  static final String STATE_STATS = "/stats?usedonly&filter=" + enc("^(server\\.state|listener_manager\\.workers_started)");

  private final Admin envoy;
  private final HttpServer server;
  private final ExecutorService threads;
  private final AtomicInteger quits = new AtomicInteger();
  private final AtomicInteger readinessRequests = new AtomicInteger();
  private volatile boolean readyLatched;
  private volatile boolean shuttingDown;

  public PilotAgentStandIn(int port, Admin envoy) {
    this.envoy = envoy;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the pilot-agent stand-in on 127.0.0.1:" + port, e);
    }
    threads = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "pilot-agent-stand-in");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(threads);
    server.createContext("/", this::handle);
  }

  public PilotAgentStandIn start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** How many {@code /healthz/ready} requests it answered (directly or through Envoy's readiness listener). */
  public int readinessRequests() {
    return readinessRequests.get();
  }

  /** How many quit calls it accepted. */
  public int quitsAccepted() {
    return quits.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      switch (path) {
        case "/healthz/ready":
          readinessRequests.incrementAndGet();
          send(ex, ready() ? 200 : 503, "");
          break;
        case "/quitquitquit":
          if (!"POST".equals(ex.getRequestMethod())) {
            send(ex, 405, "Method Not Allowed\n");
          } else if (!ex.getRemoteAddress().getAddress().isLoopbackAddress()) {
            send(ex, 403, "Only requests from localhost are allowed\n");
          } else {
            quits.incrementAndGet();
            shuttingDown = true;
            send(ex, 200, "OK");
            threads.execute(() -> envoy.post("/quitquitquit"));
          }
          break;
        case "/stats/prometheus":
          HttpResponse<String> r = envoy.get("/stats/prometheus");
          if (r == null) {
            send(ex, 503, "");
          } else {
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            send(ex, 200, r.body());
          }
          break;
        default:
          send(ex, 404, "404 page not found\n");
      }
    } finally {
      ex.close();
    }
  }

  /** pilot-agent's readiness rule, read from the real Envoy on every call until it holds once. */
  boolean ready() {
    if (shuttingDown) {
      return false;
    }
    if (readyLatched) {
      return true;
    }
    Map<String, Long> config = stats(CONFIG_STATS);
    if (config == null
        || config.getOrDefault("cluster_manager.cds.update_success", 0L) <= 0
        || config.getOrDefault("listener_manager.lds.update_success", 0L) <= 0) {
      return false; // "config not received from XDS server (is Istiod running?)"
    }
    Map<String, Long> state = stats(STATE_STATS);
    if (state == null || state.getOrDefault("server.state", -1L) != 0 || state.getOrDefault("listener_manager.workers_started", 0L) != 1) {
      return false;
    }
    readyLatched = true;
    return true;
  }

  private Map<String, Long> stats(String query) {
    HttpResponse<String> r = envoy.get(query);
    if (r == null || r.statusCode() != 200) {
      return null;
    }
    Map<String, Long> out = new HashMap<>();
    for (String line : r.body().split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        try {
          out.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2).trim()));
        } catch (NumberFormatException ignored) {
          // not a counter or gauge line
        }
      }
    }
    return out;
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
    try {
      threads.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
