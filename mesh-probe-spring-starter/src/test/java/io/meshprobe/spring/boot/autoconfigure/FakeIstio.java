package io.meshprobe.spring.boot.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.awaitility.Awaitility;

/**
 * Istio's pod-local endpoints on one MockWebServer (readiness, status, admin), until the testkit's FakeSidecar lands
 * on this branch. Records every request as {@code "METHOD /path"}, in arrival order; {@code /app/**} stands for the
 * app's own outbound calls.
 */
final class FakeIstio implements AutoCloseable {
  final AtomicBoolean ready = new AtomicBoolean();
  final List<String> requests = new CopyOnWriteArrayList<>();
  private final MockWebServer server = new MockWebServer();

  FakeIstio(boolean readyAtStart) throws IOException {
    ready.set(readyAtStart);
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getUrl().encodedPath();
            requests.add(request.getMethod() + " " + path);
            if (path.equals("/healthz/ready")) {
              return new MockResponse.Builder().code(ready.get() ? 200 : 503).body(ready.get() ? "" : "not ready").build();
            }
            if (path.equals("/quitquitquit") && request.getMethod().equals("POST")) {
              ready.set(false);
              return new MockResponse.Builder().code(200).body("OK").build();
            }
            if (path.startsWith("/app/")) {
              return new MockResponse.Builder().code(200).body("done").build();
            }
            return new MockResponse.Builder().code(404).body("not found").build();
          }
        });
    server.start(java.net.InetAddress.getLoopbackAddress(), 0);
  }

  String url() {
    String u = server.url("/").toString();
    return u.substring(0, u.length() - 1);
  }

  /** Properties that point every Istio URL of the probe at this server. */
  String[] properties() {
    return new String[] {
      "meshprobe.mesh=istio",
      "meshprobe.istio.status-url=" + url(),
      "meshprobe.istio.readiness-url=" + url(),
      "meshprobe.istio.admin-url=" + url(),
      "meshprobe.podinfo.dir=target/no-podinfo"
    };
  }

  List<String> snapshot() {
    return new ArrayList<>(requests);
  }

  void awaitRequest(String request, Duration timeout) {
    Awaitility.await().atMost(timeout).until(() -> requests.contains(request));
  }

  @Override
  public void close() {
    server.close();
  }
}
