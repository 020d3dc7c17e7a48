package io.meshprobe.testkit;

import static io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN;
import static io.meshprobe.testkit.SidecarPort.ISTIO_READINESS;
import static io.meshprobe.testkit.SidecarPort.ISTIO_STATUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class LifecycleTest {

  private final Http.Log log = new Http.Log();

  private FakeSidecar.Builder istio() {
    return FakeSidecar.istio().freePorts().log(log.stream);
  }

  @Test
  void refusesConnectionsUntilItListens() throws Exception {
    try (FakeSidecar s = istio().listenManually().start()) {
      for (SidecarPort p : Personality.ISTIO.ports()) {
        assertThat(s.port(p)).isPositive();
        Http.assertRefused(s.port(p));
      }
      assertThat(s.isReady()).isFalse();
      s.startListening();
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(200);
      assertThat(log.lines()).filteredOn(l -> l.contains("listening on")).containsExactly(
          "fake-sidecar: istio ISTIO_STATUS listening on " + s.url(ISTIO_STATUS),
          "fake-sidecar: istio ENVOY_ADMIN listening on " + s.url(ENVOY_ADMIN),
          "fake-sidecar: istio ISTIO_READINESS listening on " + s.url(ISTIO_READINESS));
    }
  }

  @Test
  void killRefusesEveryPortAndRestartServesAgainOnTheSamePorts() throws Exception {
    try (FakeSidecar s = istio().start()) {
      int readiness = s.port(ISTIO_READINESS);
      int admin = s.port(ENVOY_ADMIN);
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(200);

      s.kill();
      for (SidecarPort p : Personality.ISTIO.ports()) {
        Http.assertRefused(s.port(p));
      }
      assertThat(s.isReady()).isFalse();
      assertThat(s.isStopped()).isFalse();

      s.restart();
      assertThat(s.port(ISTIO_READINESS)).isEqualTo(readiness);
      assertThat(s.port(ENVOY_ADMIN)).isEqualTo(admin);
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(200);
      assertThat(s.isReady()).isTrue();
      assertThat(log.lines()).filteredOn(l -> l.contains("READY epochMillis=")).hasSize(2);
    }
  }

  @Test
  void listenAfterOpensThePortsLater() throws Exception {
    long t0 = System.nanoTime();
    try (FakeSidecar s = istio().listenAfter(Duration.ofMillis(250)).start()) {
      int port = s.port(ISTIO_READINESS);
      Http.assertRefused(port);
      Http.await(Duration.ofSeconds(5), () -> Http.accepts(port));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
      Http.await(Duration.ofSeconds(5), s::isReady);
    }
  }

  @Test
  void readyAfterFlips503To200AndLogsTheReadyLineOnce() throws Exception {
    try (FakeSidecar s = istio().readyAfter(Duration.ofMillis(200)).start()) {
      long listening = System.currentTimeMillis();
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(503);
      assertThat(s.readyAtEpochMillis()).isNull();
      Http.await(Duration.ofSeconds(5), () -> status(s.url(ISTIO_READINESS) + "/healthz/ready") == 200);
      Long readyAt = s.readyAtEpochMillis();
      assertThat(readyAt).isNotNull().isGreaterThanOrEqualTo(listening + 150);
      List<String> readyLines = log.lines().stream().filter(l -> l.contains("READY epochMillis=")).toList();
      assertThat(readyLines).containsExactly("fake-sidecar: istio READY epochMillis=" + readyAt);
    }
  }

  @Test
  void manualReadinessFlipsBothWays() throws Exception {
    try (FakeSidecar s = istio().readyManually().start()) {
      assertThat(status(s.url(ISTIO_STATUS) + "/healthz/ready")).isEqualTo(503);
      s.becomeReady();
      s.becomeReady(); // no second line
      assertThat(s.isReady()).isTrue();
      assertThat(status(s.url(ISTIO_STATUS) + "/healthz/ready")).isEqualTo(200);
      s.becomeNotReady();
      assertThat(s.isReady()).isFalse();
      assertThat(status(s.url(ISTIO_READINESS) + "/healthz/ready")).isEqualTo(503);
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/ready").text()).isEqualTo("PRE_INITIALIZING\n");
      s.becomeReady();
      assertThat(log.lines()).filteredOn(l -> l.contains("READY epochMillis=")).hasSize(2);
      assertThat(log.text()).doesNotContain("NOT READY epochMillis"); // the measuring grep must not match
    }
  }

  @Test
  void closeReleasesEveryPortAndThreadEvenWithHangingConnections() throws Exception {
    FakeSidecar s = istio().fault("/healthz/ready", Fault.hang()).fault("/server_info", Fault.headersThenHang()).start();
    Socket a = new Socket("127.0.0.1", s.port(ISTIO_READINESS));
    Socket b = new Socket("127.0.0.1", s.port(ENVOY_ADMIN));
    Socket idle = new Socket("127.0.0.1", s.port(ISTIO_STATUS)); // keep-alive connection, no request
    a.getOutputStream().write("GET /healthz/ready HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
    b.getOutputStream().write("GET /server_info HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
    assertThat(s.awaitRequest("GET", "/server_info", Duration.ofSeconds(5))).isNotNull();
    assertThat(s.awaitRequest("GET", "/healthz/ready", Duration.ofSeconds(5))).isNotNull();
    // 3 accept threads + 3 connection threads (the idle one is spawned asynchronously)
    Http.await(Duration.ofSeconds(5), () -> Http.threads(s.threadNamePrefix()).size() >= 6);

    s.close();
    s.close(); // idempotent

    assertThat(s.isStopped()).isTrue();
    assertThat(Http.threads(s.threadNamePrefix())).isEmpty();
    for (SidecarPort p : Personality.ISTIO.ports()) {
      try (ServerSocket again = new ServerSocket()) {
        again.setReuseAddress(true);
        again.bind(new InetSocketAddress("127.0.0.1", s.port(p)));
      }
    }
    a.close();
    b.close();
    idle.close();
    assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeBeforeDelayedListeningCancelsIt() throws Exception {
    FakeSidecar s = istio().listenAfter(Duration.ofMinutes(1)).readyAfter(Duration.ofMinutes(1)).start();
    s.close();
    assertThat(s.awaitStopped(Duration.ZERO)).isTrue();
    assertThat(Http.threads(s.threadNamePrefix())).isEmpty();
  }

  @Test
  void aBusyPortFailsTheStartAndReleasesTheOthers() throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      FakeSidecar s = istio().port(ISTIO_READINESS, busy.getLocalPort()).build();
      assertThatThrownBy(s::start).isInstanceOf(UncheckedIOException.class).hasMessageContaining("cannot bind");
      s.close();
      assertThat(Http.threads(s.threadNamePrefix())).isEmpty();
    }
  }

  @Test
  void bindsIpv6Loopback() throws Exception {
    assumeTrue(ipv6LoopbackWorks(), "no IPv6 loopback here");
    try (FakeSidecar s = istio().bindAddress("::1").start()) {
      assertThat(s.url(ISTIO_STATUS)).isEqualTo("http://[::1]:" + s.port(ISTIO_STATUS));
      assertThat(Http.get(s.url(ISTIO_STATUS) + "/healthz/ready").status()).isEqualTo(200);
    }
  }

  private static boolean ipv6LoopbackWorks() {
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int status(String url) {
    try {
      return Http.get(url).status();
    } catch (IOException e) {
      return -1;
    }
  }
}
