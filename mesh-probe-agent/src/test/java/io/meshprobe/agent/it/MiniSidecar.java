package io.meshprobe.agent.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the testkit's FakeSidecar (Istio personality, one port for status, readiness and admin) until
 * that lands: {@code /healthz/ready} 200/503, {@code POST /quitquitquit} 200, everything else 404 but recorded.
 */
final class MiniSidecar implements AutoCloseable {
  record Request(String method, String path, long epochMillis) {}

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private volatile boolean ready;
  private volatile long readyAt;

  MiniSidecar(boolean ready) throws IOException {
    this.ready = ready;
    if (ready) {
      readyAt = System.currentTimeMillis();
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          requests.add(new Request(ex.getRequestMethod(), path, System.currentTimeMillis()));
          int code;
          String body;
          if (path.equals("/healthz/ready")) {
            code = this.ready ? 200 : 503;
            body = this.ready ? "" : "not ready";
          } else if (path.equals("/quitquitquit") && ex.getRequestMethod().equals("POST")) {
            code = 200;
            body = "OK";
          } else if (path.equals("/app-hook")) {
            code = 200;
            body = "recorded";
          } else {
            code = 404;
            body = "not found";
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(code, bytes.length == 0 ? -1 : bytes.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Agent arguments that point the agent at this sidecar. */
  String agentArgs() {
    return "mesh=istio;istio.status-url=" + url() + ";istio.readiness-url=" + url() + ";istio.admin-url=" + url() + ";wait.interval=5ms";
  }

  void becomeReady() {
    readyAt = System.currentTimeMillis();
    ready = true;
  }

  long readyAt() {
    return readyAt;
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  long count(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).count();
  }

  Request first(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).findFirst().orElse(null);
  }

  /** Waits until at least {@code n} requests for {@code path} arrived. */
  boolean await(String path, int n, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (count(path) < n) {
      if (System.nanoTime() > end) {
        return false;
      }
      TimeUnit.MILLISECONDS.sleep(5); // polling a condition, not synchronising on time
    }
    return true;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
