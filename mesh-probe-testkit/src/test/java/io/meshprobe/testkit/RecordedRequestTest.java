package io.meshprobe.testkit;

import static io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN;
import static io.meshprobe.testkit.SidecarPort.ISTIO_STATUS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

class RecordedRequestTest {

  private final Http.Log log = new Http.Log();

  @Test
  void recordsEveryPartOfTheRequest() throws Exception {
    try (FakeSidecar s = FakeSidecar.istio().freePorts().log(log.stream).start()) {
      long before = System.currentTimeMillis();
      Http.send("POST", s.url(ENVOY_ADMIN) + "/config_dump?mask=bootstrap&x=%2F", "{\"a\":1}",
          Map.of("X-Probe", "yes", "Accept", "application/json"));
      Http.get(s.url(ISTIO_STATUS) + "/healthz/ready");

      assertThat(s.requests()).hasSize(2);
      RecordedRequest r = s.requests().get(0);
      assertThat(r.method()).isEqualTo("POST");
      assertThat(r.path()).isEqualTo("/config_dump");
      assertThat(r.query()).isEqualTo("mask=bootstrap&x=%2F");
      assertThat(r.target()).isEqualTo("/config_dump?mask=bootstrap&x=%2F");
      assertThat(r.headers()).containsEntry("x-probe", "yes").containsEntry("accept", "application/json")
          .containsKey("host").allSatisfy((k, v) -> assertThat(k).isLowerCase());
      assertThat(r.header("X-Probe")).isEqualTo("yes");
      assertThat(r.body()).isEqualTo("{\"a\":1}");
      assertThat(r.port()).isEqualTo(s.port(ENVOY_ADMIN));
      assertThat(r.epochMillis()).isBetween(before, System.currentTimeMillis());
      RecordedRequest second = s.requests().get(1);
      assertThat(second.query()).isNull();
      assertThat(second.body()).isEmpty();
      assertThat(second.port()).isEqualTo(s.port(ISTIO_STATUS));
      assertThat(second.nanoTime()).isGreaterThan(r.nanoTime());
      assertThat(second.toString()).contains("GET /healthz/ready");
    }
  }

  @Test
  void awaitRequestFindsPastAndFutureRequestsAndTimesOut() throws Exception {
    try (FakeSidecar s = FakeSidecar.istio().freePorts().log(log.stream).start()) {
      Http.get(s.url(ISTIO_STATUS) + "/healthz/ready");
      assertThat(s.awaitRequest("GET", "/healthz/ready?ignored", Duration.ZERO)).isNotNull();
      assertThat(s.awaitRequest("POST", "/quitquitquit", Duration.ofMillis(50))).isNull();

      CompletableFuture<RecordedRequest> waiting = CompletableFuture.supplyAsync(() -> {
        try {
          return s.awaitRequest("post", "/drain", Duration.ofSeconds(5));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Http.post(s.url(ISTIO_STATUS) + "/drain");
      assertThat(waiting.get().method()).isEqualTo("POST");
      assertThat(s.awaitRequest(null, "/drain", Duration.ZERO)).isSameAs(waiting.get());
    }
  }

  @Test
  void keepAliveChunkedBodiesHeadAndBadRequests() throws Exception {
    try (FakeSidecar s = FakeSidecar.istio().freePorts().log(log.stream).start();
        Socket socket = new Socket("127.0.0.1", s.port(ISTIO_STATUS))) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write("GET /healthz/ready HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      assertThat(Http.readHead(in)).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 0\r\n");
      out.write("POST /drain HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      assertThat(Http.readHead(in)).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 2\r\n");
      assertThat(in.readNBytes(2)).isEqualTo("OK".getBytes(StandardCharsets.ISO_8859_1));
      out.write("HEAD /drain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      String head = Http.readHead(in);
      assertThat(head).startsWith("HTTP/1.1 405 ").contains("Connection: close\r\n");
      assertThat(in.read()).isEqualTo(-1); // no body for HEAD, then closed as asked
      assertThat(s.awaitRequest("POST", "/drain", Duration.ZERO).body()).isEqualTo("abcde");
    }
    try (FakeSidecar s = FakeSidecar.istio().freePorts().log(log.stream).start()) {
      String huge = "GET /healthz/ready HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n";
      assertThat(Http.rawText(s.port(ISTIO_STATUS), huge)).startsWith("HTTP/1.1 431 ");
      assertThat(Http.rawText(s.port(ISTIO_STATUS), "HELLO\r\n\r\n")).startsWith("HTTP/1.1 400 ");
      assertThat(s.requests()).isEmpty(); // never reached a handler
    }
  }
}
