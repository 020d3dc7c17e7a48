package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.SidecarPort;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class QuitProxyTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @StartStop final MockWebServer server = new MockWebServer();
  @RegisterExtension final Closer closer = new Closer();

  private <T extends AutoCloseable> T track(T t) {
    return closer.track(t);
  }

  @Test
  void istioQuitGoesToPilotAgentAndStopsTheProxy() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    assertThat(probe.awaitReady(WAIT).isReady()).isTrue();

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.SUCCESS);
    assertThat(result.message()).contains("pilot-agent accepted POST " + sidecar.url(SidecarPort.ISTIO_STATUS) + "/quitquitquit");
    io.meshprobe.testkit.RecordedRequest quit = sidecar.awaitRequest("POST", "/quitquitquit", WAIT);
    assertThat(quit.port()).isEqualTo(sidecar.port(SidecarPort.ISTIO_STATUS));
    assertThat(sidecar.awaitStopped(WAIT)).isTrue();
    assertThat(probe.isReady()).isFalse();
  }

  @Test
  void quitIsIdempotent() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    probe.awaitReady(WAIT);

    QuitResult first = probe.quitProxy();
    QuitResult second = probe.quitProxy();

    assertThat(second).isSameAs(first);
    assertThat(sidecar.requests().stream().filter(r -> r.method().equals("POST")).count()).isEqualTo(1);
  }

  @Test
  void aQuitDoesNotWaitBehindAnotherThreadsDetectionWindow() throws Exception {
    // In Kubernetes, nothing answering yet: another thread's detection keeps looking for the whole window.
    MeshProbe probe =
        track(
            ProbeFixture.isolated(java.util.Collections.singletonMap("KUBERNETES_SERVICE_HOST", "10.0.0.1"))
                .detectWindow(Duration.ofSeconds(60))
                .quitTimeout(Duration.ofSeconds(1))
                .build());
    java.util.concurrent.CompletableFuture<Detection> detecting = new java.util.concurrent.CompletableFuture<>();
    Thread detector = new Thread(() -> detecting.complete(probe.detect()), "other-detection");
    detector.start();
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().endsWith("Detector") && f.getMethodName().equals("detect"))));

    QuitResult result = probe.quitProxy();

    assertThat(detecting).as("the other thread's detection is still running").isNotDone();
    assertThat(result.outcome()).as(result.message()).isEqualTo(QuitOutcome.SKIPPED);
    assertThat(probe.lastDetection()).as("the quit's own quick look is not kept as the verdict").isNull();
    detector.interrupt();
    detector.join(WAIT.toMillis());
  }

  @Test
  void istioFallsBackToEnvoyAdminWhenPilotAgentDoesNotAnswer() throws Exception {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (request.getMethod().equals("POST") && request.getUrl().encodedPath().equals("/quitquitquit")) {
              return new MockResponse.Builder().code(200).body("OK\n").build();
            }
            return new MockResponse.Builder().code(404).build();
          }
        });
    MeshProbe probe =
        track(
            ProbeFixture.isolated()
                .mesh(MeshType.ISTIO_SIDECAR)
                .istioAdminUrl(server.url("/").toString())
                .build());

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.SUCCESS);
    assertThat(result.message()).startsWith("Envoy admin accepted POST").contains("after POST").contains("connection refused");
  }

  @Test
  void linkerdWithShutdownDisabledSaysWhichAnnotationFixesIt() {
    FakeSidecar sidecar = track(FakeSidecar.linkerd().freePorts().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    probe.awaitReady(WAIT);

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.ENDPOINT_DISABLED);
    assertThat(result.message())
        .contains("shutdown endpoint is disabled")
        .contains("config.linkerd.io/proxy-admin-shutdown: enabled");
    assertThat(sidecar.isStopped()).isFalse();
  }

  @Test
  void linkerdWithShutdownEnabledStops() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.linkerd().freePorts().shutdownEnabled(true).start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    probe.awaitReady(WAIT);

    assertThat(probe.quitProxy().outcome()).isEqualTo(QuitOutcome.SUCCESS);
    assertThat(sidecar.awaitRequest("POST", "/shutdown", WAIT)).isNotNull();
    assertThat(sidecar.awaitStopped(WAIT)).isTrue();
  }

  @Test
  void genericEnvoyQuitsThroughItsAdmin() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.envoy().freePorts().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    probe.awaitReady(WAIT);

    assertThat(probe.quitProxy().outcome()).isEqualTo(QuitOutcome.SUCCESS);
    assertThat(sidecar.awaitStopped(WAIT)).isTrue();
  }

  @Test
  void aNativeSidecarSeenInTheProxysNodeMetadataIsNotQuit() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().nativeSidecar(true).start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    probe.awaitReady(WAIT);

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.SKIPPED);
    assertThat(result.message()).contains("native sidecar");
    assertThat(probe.lastDetection().nativeSidecar()).isTrue();
    assertThat(sidecar.requests().stream().filter(r -> r.method().equals("POST")).collect(Collectors.toList())).isEmpty();
  }

  @Test
  void aQuitRightAfterTheWaitReadsTheNodeMetadataOnlyOnce() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    probe.awaitReady(WAIT);

    // The background read of /server_info may still be in flight: the quit waits for it rather than asking again.
    assertThat(probe.quitProxy().outcome()).isEqualTo(QuitOutcome.SUCCESS);
    assertThat(sidecar.requests().stream().filter(r -> r.path().equals("/server_info")).count()).isEqualTo(1);
  }

  @Test
  void noProxyMeansNothingToQuit() {
    MeshProbe probe = track(ProbeFixture.isolated().build());

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.SKIPPED);
    assertThat(result.message()).isEqualTo("no mesh proxy, nothing to quit");
  }

  @Test
  void aHangingQuitEndsAtTheQuitDeadline() {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().fault("/quitquitquit", Fault.hang()).start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).quitTimeout(Duration.ofMillis(400)).build());
    probe.awaitReady(WAIT);

    long start = System.nanoTime();
    QuitResult result = probe.quitProxy();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(result.outcome()).isEqualTo(QuitOutcome.FAILED);
    assertThat(result.message()).contains("timed out");
    assertThat(took).isLessThan(Duration.ofMillis(1400));
  }

  @Test
  void extraQuitUrlsArePostedToo() throws Exception {
    server.enqueue(new MockResponse.Builder().code(200).body("OK").build());
    MeshProbe probe =
        track(ProbeFixture.isolated().extraQuitUrls(Arrays.asList(server.url("/quitquitquit").toString())).build());

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.SUCCESS);
    assertThat(result.message()).contains("no mesh proxy, nothing to quit").contains("extra quit");
    RecordedRequest request = server.takeRequest();
    assertThat(request.getMethod()).isEqualTo("POST");
    assertThat(request.getUrl().encodedPath()).isEqualTo("/quitquitquit");
  }

  @Test
  void aFailingExtraQuitMakesTheWholeQuitFail() {
    server.enqueue(new MockResponse.Builder().code(500).body("boom").build());
    MeshProbe probe =
        track(ProbeFixture.isolated().extraQuitUrls(Arrays.asList(server.url("/quitquitquit").toString())).build());

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.FAILED);
    assertThat(result.message()).contains("HTTP 500 boom");
  }

  @Test
  void redirectsAreNotFollowed() throws Exception {
    server.enqueue(new MockResponse.Builder().code(302).setHeader("Location", "http://192.0.2.1/quitquitquit").build());
    MeshProbe probe =
        track(
            ProbeFixture.isolated()
                .mesh(MeshType.ENVOY)
                .envoyAdminUrl(server.url("/").toString())
                .build());

    QuitResult result = probe.quitProxy();

    assertThat(result.outcome()).isEqualTo(QuitOutcome.FAILED);
    assertThat(result.message()).contains("HTTP 302");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }
}
