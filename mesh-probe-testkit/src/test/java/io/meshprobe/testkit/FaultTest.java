package io.meshprobe.testkit;

import static io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN;
import static io.meshprobe.testkit.SidecarPort.ISTIO_READINESS;
import static io.meshprobe.testkit.SidecarPort.ISTIO_STATUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class FaultTest {

  private static final String GET_READY = "GET /healthz/ready HTTP/1.1\r\nHost: localhost\r\n\r\n";

  private final Http.Log log = new Http.Log();

  private FakeSidecar.Builder istio() {
    return FakeSidecar.istio().freePorts().log(log.stream);
  }

  private static Socket connect(int port, String request, int timeoutMillis) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    s.setSoTimeout(timeoutMillis);
    s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
    s.getOutputStream().flush();
    return s;
  }

  @Test
  void statusAppliesOnEveryPortServingThePathAndIsRecorded() throws Exception {
    try (FakeSidecar s = istio().fault("/healthz/ready", Fault.status(500, "boom")).start()) {
      Http.Reply agent = Http.get(s.url(ISTIO_STATUS) + "/healthz/ready");
      assertThat(agent.status()).isEqualTo(500);
      assertThat(agent.text()).isEqualTo("boom");
      Http.Reply envoy = Http.get(s.url(ISTIO_READINESS) + "/healthz/ready?x=1");
      assertThat(envoy.status()).isEqualTo(500);
      assertThat(envoy.header("server")).isEqualTo("envoy");
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/ready").status()).isEqualTo(200); // other paths untouched
      assertThat(s.requests()).extracting(RecordedRequest::path)
          .containsExactly("/healthz/ready", "/healthz/ready", "/ready");
    }
  }

  @Test
  void hangNeverAnswersUntilClose() throws Exception {
    FakeSidecar s = istio().fault("/healthz/ready", Fault.hang()).start();
    try (Socket socket = connect(s.port(ISTIO_READINESS), GET_READY, 200)) {
      assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
      assertThat(s.awaitRequest("GET", "/healthz/ready", Duration.ofSeconds(1))).isNotNull();
      long t0 = System.nanoTime();
      s.close();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
      socket.setSoTimeout(2000);
      int eof;
      try {
        eof = socket.getInputStream().read();
      } catch (SocketException reset) {
        eof = -1;
      }
      assertThat(eof).isEqualTo(-1);
    }
    assertThat(Http.threads(s.threadNamePrefix())).isEmpty();
  }

  @Test
  void resetAnswersWithATcpReset() throws Exception {
    try (FakeSidecar s = istio().fault("/healthz/ready", Fault.reset()).start();
        Socket socket = connect(s.port(ISTIO_STATUS), GET_READY, 2000)) {
      assertThatThrownBy(() -> socket.getInputStream().read())
          .isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void resetBeforeBodySendsHeadersThenReset() throws Exception {
    try (FakeSidecar s = istio().fault("/config_dump", Fault.resetBeforeBody()).start();
        Socket socket = connect(s.port(ENVOY_ADMIN), "GET /config_dump HTTP/1.1\r\nHost: x\r\n\r\n", 2000)) {
      InputStream in = socket.getInputStream();
      String head = Http.readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200 OK\r\n").contains("content-length: 4096");
      assertThatThrownBy(() -> in.read()).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void slowBodyDripsTheBody() throws Exception {
    try (FakeSidecar s = istio().fault("/server_info", Fault.slowBody("hello", Duration.ofMillis(30))).start()) {
      long t0 = System.nanoTime();
      Http.Reply reply = Http.get(s.url(ENVOY_ADMIN) + "/server_info");
      Duration took = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.text()).isEqualTo("hello");
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(140));
    }
  }

  @Test
  void headersThenHangLeavesTheBodyMissing() throws Exception {
    try (FakeSidecar s = istio().fault("/config_dump", Fault.headersThenHang()).start()) {
      HttpURLConnection c = (HttpURLConnection) URI.create(s.url(ENVOY_ADMIN) + "/config_dump").toURL().openConnection();
      // Long enough for the headers on a loaded machine (200 ms failed under load); the body never comes either way.
      c.setReadTimeout(2000);
      assertThat(c.getResponseCode()).isEqualTo(200);
      try (InputStream in = c.getInputStream()) {
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
      }
      c.disconnect();
    }
  }

  @Test
  void garbageIsNotHttp() throws Exception {
    try (FakeSidecar s = istio().fault("/healthz/ready", Fault.garbage()).start()) {
      byte[] bytes = Http.raw(s.port(ISTIO_STATUS), GET_READY, 2000); // read until the server closes
      assertThat(bytes).isNotEmpty();
      assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/");
    }
  }

  @Test
  void hugeBodyIsStreamedToTheAnnouncedLength() throws Exception {
    long size = 8L * 1024 * 1024 + 7;
    try (FakeSidecar s = istio().fault("/config_dump", Fault.hugeBody(size)).start()) {
      HttpURLConnection c = (HttpURLConnection) URI.create(s.url(ENVOY_ADMIN) + "/config_dump").toURL().openConnection();
      assertThat(c.getResponseCode()).isEqualTo(200);
      assertThat(c.getContentLengthLong()).isEqualTo(size);
      long total = 0;
      byte[] buf = new byte[65536];
      try (InputStream in = c.getInputStream()) {
        for (int n; (n = in.read(buf)) >= 0; ) {
          total += n;
        }
      }
      assertThat(total).isEqualTo(size);
    }
  }

  @Test
  void redirectPointsElsewhere() throws Exception {
    try (FakeSidecar s = istio().fault("/server_info", Fault.redirect("http://10.1.2.3:15000/server_info")).start()) {
      Http.Reply reply = Http.get(s.url(ENVOY_ADMIN) + "/server_info");
      assertThat(reply.status()).isEqualTo(302);
      assertThat(reply.header("location")).isEqualTo("http://10.1.2.3:15000/server_info");
    }
  }

  @Test
  void flappingAlternatesAcrossPortsStartingNotReady() throws Exception {
    try (FakeSidecar s = istio().fault("/healthz/ready", Fault.flapping()).start()) {
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(503);
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(200);
      assertThat(Http.get(s.url(ISTIO_STATUS) + "/healthz/ready").status()).isEqualTo(503);
      assertThat(Http.get(s.url(ISTIO_STATUS) + "/healthz/ready").status()).isEqualTo(200);
      assertThat(s.isReady()).isTrue(); // the real state is untouched
    }
    try (FakeSidecar s = FakeSidecar.linkerd().freePorts().log(log.stream).fault("/ready", Fault.flapping()).start()) {
      assertThat(Http.get(s.url(SidecarPort.LINKERD_ADMIN) + "/ready").text()).isEqualTo("not ready\n");
      assertThat(Http.get(s.url(SidecarPort.LINKERD_ADMIN) + "/ready").text()).isEqualTo("ready\n");
    }
  }

  @Test
  void faultOnQuitKeepsTheSidecarRunning() throws Exception {
    try (FakeSidecar s = istio().fault("/quitquitquit", Fault.status(503, "")).start()) {
      assertThat(Http.post(s.url(ISTIO_STATUS) + "/quitquitquit").status()).isEqualTo(503);
      assertThat(Http.post(s.url(ENVOY_ADMIN) + "/quitquitquit").status()).isEqualTo(503);
      assertThat(s.awaitStopped(Duration.ofMillis(100))).isFalse();
      assertThat(s.awaitRequest("POST", "/quitquitquit", Duration.ZERO).port()).isEqualTo(s.port(ISTIO_STATUS));
    }
  }

  @Test
  void specsRoundTrip() {
    Fault[] faults = {Fault.status(503, "busy"), Fault.status(404, ""), Fault.hang(), Fault.reset(),
      Fault.resetBeforeBody(), Fault.slowBody("abc", Duration.ofMillis(20)), Fault.headersThenHang(),
      Fault.garbage(), Fault.hugeBody(1234), Fault.redirect("http://other:1/x"), Fault.flapping()};
    for (Fault f : faults) {
      assertThat(Fault.parse(f.toString())).as(f.toString()).isEqualTo(f).hasSameHashCodeAs(f);
    }
    assertThat(Fault.parse("huge-body:10m")).isEqualTo(Fault.hugeBody(10L * 1024 * 1024));
    assertThat(Fault.parse("status:500")).isEqualTo(Fault.status(500, ""));
    assertThatThrownBy(() -> Fault.parse("explode")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Fault.parse("status:abc")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Fault.parse("redirect")).isInstanceOf(IllegalArgumentException.class);
  }
}
