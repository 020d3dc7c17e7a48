package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.Fixtures;
import io.meshprobe.testkit.SidecarPort;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class AwaitReadyTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @StartStop final MockWebServer server = new MockWebServer();
  @TempDir Path dir;

  @RegisterExtension final Closer closer = new Closer();

  private <T extends AutoCloseable> T track(T t) {
    return closer.track(t);
  }

  @Test
  void istioWaitEndsWhenTheProxyFlipsToReady() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().readyManually().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());

    CompletableFuture<WaitResult> wait = probe.awaitReadyAsync(Duration.ofSeconds(10));
    // The probe has found the proxy and is polling it: only now flip.
    assertThat(sidecar.awaitRequest("GET", "/healthz/ready", WAIT)).isNotNull();
    assertThat(wait).isNotDone();
    assertThat(probe.isReady()).isFalse();
    sidecar.becomeReady();

    WaitResult result = wait.get(5, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(result.detection().type()).isEqualTo(MeshType.ISTIO_SIDECAR);
    assertThat(result.url()).isEqualTo(sidecar.url(SidecarPort.ISTIO_READINESS) + "/healthz/ready");
    assertThat(result.lastAnswer()).isEqualTo("HTTP 200");
    assertThat(probe.isReady()).isTrue();
    assertThat(probe.lastWait()).isSameAs(result);
  }

  @Test
  void timeoutIsAnOutcomeThatSaysWhatTheProxyLastAnswered() {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().readyManually().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());

    WaitResult result = probe.awaitReady(Duration.ofMillis(300));

    assertThat(result.outcome()).isEqualTo(WaitOutcome.TIMED_OUT);
    assertThat(result.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(result.lastAnswer()).isEqualTo("HTTP 503");
    assertThat(result.message())
        .contains("istio proxy not ready after")
        .contains(sidecar.url(SidecarPort.ISTIO_READINESS))
        .contains("HTTP 503")
        .contains("meshprobe.wait.timeout");
    assertThat(probe.isReady()).isFalse();
  }

  @Test
  void failClosedThrowsWithTheProxyTheUrlAndTheLastAnswer() {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().readyManually().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).failOnTimeout(true).build());

    assertThatThrownBy(() -> probe.awaitReady(Duration.ofMillis(200)))
        .isInstanceOf(ProxyNotReadyException.class)
        .hasMessageContaining("istio proxy not ready after")
        .hasMessageContaining(sidecar.url(SidecarPort.ISTIO_READINESS) + "/healthz/ready")
        .hasMessageContaining("HTTP 503")
        .satisfies(e -> assertThat(((ProxyNotReadyException) e).result().outcome()).isEqualTo(WaitOutcome.TIMED_OUT));
  }

  @Test
  void istioFallsBackToPilotAgentWhileEnvoysListenerRefuses() {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().start());
    String closed = "http://127.0.0.1:" + ProbeFixture.closedPort();
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).istioReadinessUrl(closed).build());

    WaitResult result = probe.awaitReady(WAIT);

    assertThat(result.outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(result.url()).isEqualTo(sidecar.url(SidecarPort.ISTIO_STATUS) + "/healthz/ready");
  }

  @Test
  void linkerdIsDetectedAndWaitedFor() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.linkerd().freePorts().readyManually().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());

    CompletableFuture<WaitResult> wait = probe.awaitReadyAsync(Duration.ofSeconds(10));
    assertThat(sidecar.awaitRequest("GET", "/ready", WAIT)).isNotNull();
    sidecar.becomeReady();

    WaitResult result = wait.get(5, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(result.detection().type()).isEqualTo(MeshType.LINKERD);
    assertThat(result.detection().proxy()).isEqualTo("linkerd2-proxy");
    assertThat(result.lastAnswer()).isEqualTo("HTTP 200 ready");
  }

  @Test
  void genericEnvoyIsReadyWhenAdminReadySaysLive() {
    FakeSidecar sidecar = track(FakeSidecar.envoy().freePorts().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());

    WaitResult result = probe.awaitReady(WAIT);

    assertThat(result.outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(result.detection().type()).isEqualTo(MeshType.ENVOY);
    assertThat(result.detection().version()).isEqualTo("1.9.0-dev");
    assertThat(result.lastAnswer()).isEqualTo("HTTP 200 LIVE");
  }

  @Test
  void anEnvoyWithoutReadyEndpointIsAskedForItsServerState() {
    // Envoys older than /ready answer 404 there; /server_info's "state" then decides.
    final String serverInfo = Fixtures.text("envoy/server_info.docs-example.json");
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            String path = request.getUrl().encodedPath();
            if (path.equals("/ready")) {
              return new MockResponse.Builder().code(404).body("invalid path\n").build();
            }
            if (path.equals("/server_info")) {
              return new MockResponse.Builder().code(200).body(serverInfo).build();
            }
            return new MockResponse.Builder().code(404).build();
          }
        });
    MeshProbe probe = track(ProbeFixture.isolated().envoyAdminUrl(server.url("/").toString()).build());

    WaitResult result = probe.awaitReady(WAIT);

    assertThat(result.outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(result.lastAnswer()).isEqualTo("state LIVE");
  }

  @Test
  void nothingListeningOutsideKubernetesMeansNoProxyAtOnce() {
    MeshProbe probe = track(ProbeFixture.isolated().build());

    WaitResult result = probe.awaitReady(Duration.ofSeconds(30));

    assertThat(result.outcome()).isEqualTo(WaitOutcome.NO_PROXY);
    assertThat(result.detection().type()).isEqualTo(MeshType.NONE);
    assertThat(result.detection().certain()).isFalse();
    assertThat(result.waited()).isLessThan(Duration.ofSeconds(5));
    assertThat(result.message()).startsWith("no mesh proxy detected");
  }

  @Test
  void insideKubernetesNothingListeningBecomesNoProxyOnlyAfterTheWindow() {
    MeshProbe probe =
        track(
            ProbeFixture.isolated(Collections.singletonMap("KUBERNETES_SERVICE_HOST", "10.96.0.1"))
                .detectWindow(Duration.ofMillis(300))
                .build());

    WaitResult result = probe.awaitReady(Duration.ofSeconds(30));

    assertThat(result.outcome()).isEqualTo(WaitOutcome.NO_PROXY);
    assertThat(result.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(result.detection().source()).contains("meshprobe.detect.window");
    assertThat(result.detection().sourceKind()).isEqualTo(Detection.Source.NO_ANSWER);
  }

  @Test
  void insideKubernetesAProxyThatStartsLateIsStillFound() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().listenManually().start());
    MeshProbe probe =
        track(
            ProbeFixture.aimedAt(sidecar)
                .detectWindow(Duration.ofSeconds(10))
                .build());

    CompletableFuture<WaitResult> wait = probe.awaitReadyAsync(Duration.ofSeconds(20));
    sidecar.startListening();

    WaitResult result = wait.get(10, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(result.detection().type()).isEqualTo(MeshType.ISTIO_SIDECAR);
  }

  @Test
  void podAnnotationsMakeTheVerdictCertainWithoutAnyCall() throws Exception {
    write(
        "annotations",
        "sidecar.istio.io/status=\"{\\\"initContainers\\\":[\\\"istio-validation\\\",\\\"istio-proxy\\\"],\\\"containers\\\":null}\"\n");
    MeshProbe probe = track(ProbeFixture.isolated().podInfoDir(dir).build());

    Detection d = probe.detect();

    assertThat(d.type()).isEqualTo(MeshType.ISTIO_SIDECAR);
    assertThat(d.nativeSidecar()).isTrue();
    assertThat(d.certain()).isTrue();
    assertThat(d.source()).isEqualTo("pod annotation sidecar.istio.io/status");
    assertThat(d.sourceKind()).isEqualTo(Detection.Source.POD_ANNOTATION);
  }

  @Test
  void linkerdAndAmbientAnnotations() throws Exception {
    write("annotations", "linkerd.io/proxy-version=\"edge-26.5.2\"\nlinkerd.io/inject=\"enabled\"\n");
    Detection linkerd = track(ProbeFixture.isolated().podInfoDir(dir).build()).detect();
    assertThat(linkerd.type()).isEqualTo(MeshType.LINKERD);
    assertThat(linkerd.version()).isEqualTo("edge-26.5.2");

    write("annotations", "ambient.istio.io/redirection=\"enabled\"\n");
    MeshProbe ambient = track(ProbeFixture.isolated().podInfoDir(dir).build());
    WaitResult wait = ambient.awaitReady(WAIT);
    assertThat(wait.outcome()).isEqualTo(WaitOutcome.NO_PROXY);
    assertThat(wait.detection().type()).isEqualTo(MeshType.ISTIO_AMBIENT);
    assertThat(wait.message()).contains("ztunnel");

    write("annotations", "kubectl.kubernetes.io/restartedAt=\"2026-11-25T10:00:00Z\"\n");
    Detection none = track(ProbeFixture.isolated().podInfoDir(dir).build()).detect();
    assertThat(none.type()).isEqualTo(MeshType.NONE);
    assertThat(none.certain()).isTrue();
  }

  @Test
  void ambientIsSeenInProcNetTcp() throws Exception {
    Path proc = Files.createDirectories(dir.resolve("proc"));
    String header = "  sl  local_address rem_address   st\n";
    Files.write(
        proc.resolve("tcp"),
        (header
                + "   0: 00000000:3A99 00000000:0000 0A\n"
                + "   1: 00000000:3A9E 00000000:0000 0A\n"
                + "   2: 00000000:3AA0 00000000:0000 0A\n")
            .getBytes(StandardCharsets.US_ASCII));
    MeshProbe probe = track(ProbeFixture.withProcNet(ProbeFixture.isolated(), proc).build());

    assertThat(probe.detect().type()).isEqualTo(MeshType.ISTIO_AMBIENT);
    assertThat(probe.quitProxy().outcome()).isEqualTo(QuitOutcome.SKIPPED);
  }

  @Test
  void disabledProbeNeitherWaitsNorCallsAnything() {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).enabled(false).build());

    assertThat(probe.awaitReady(WAIT).outcome()).isEqualTo(WaitOutcome.NO_PROXY);
    assertThat(probe.quitProxy().outcome()).isEqualTo(QuitOutcome.SKIPPED);
    assertThat(sidecar.requests()).isEmpty();
  }

  @Test
  void aGarbageSpeakingResettingOrHangingProxyIsNotReadyAndTheWaitEndsOnTime() {
    for (Fault fault : new Fault[] {Fault.garbage(), Fault.reset(), Fault.hang(), Fault.headersThenHang()}) {
      FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().fault("/healthz/ready", fault).start());
      MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).httpTimeout(Duration.ofMillis(200)).build());

      long start = System.nanoTime();
      WaitResult result = probe.awaitReady(Duration.ofMillis(500));
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(result.outcome()).as("%s", fault).isEqualTo(WaitOutcome.TIMED_OUT);
      assertThat(result.lastAnswer()).as("%s", fault).isNotNull();
      // The deadline holds within one call's timeout, far below the "deadline + 1 s" limit.
      assertThat(took).as("%s", fault).isLessThan(Duration.ofMillis(1500));
    }
  }

  @Test
  void cancellingTheAsyncWaitInterruptsIt() throws Exception {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().readyManually().start());
    final CountDownLatch finished = new CountDownLatch(1);
    final WaitResult[] seen = new WaitResult[1];
    MeshProbe probe =
        track(
            ProbeFixture.aimedAt(sidecar)
                .listener(
                    new MeshProbeListener() {
                      @Override
                      public void onWaitFinished(WaitResult result) {
                        seen[0] = result;
                        finished.countDown();
                      }
                    })
                .build());

    CompletableFuture<WaitResult> wait = probe.awaitReadyAsync(Duration.ofSeconds(30));
    assertThat(sidecar.awaitRequest("GET", "/healthz/ready", WAIT)).isNotNull();
    wait.cancel(true);

    assertThat(finished.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(seen[0].outcome()).isEqualTo(WaitOutcome.INTERRUPTED);
  }

  @Test
  void logsOneLineAtTheStartAndOneAtTheEndNotOnePerPoll() {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().readyManually().start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).build());
    final List<LogRecord> records = Collections.synchronizedList(new ArrayList<LogRecord>());
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.INFO.intValue()) {
              records.add(record);
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger logger = Logger.getLogger("io.meshprobe");
    logger.addHandler(handler);
    try {
      WaitResult result = probe.awaitReady(Duration.ofMillis(400));
      assertThat(result.outcome()).isEqualTo(WaitOutcome.TIMED_OUT);
    } finally {
      logger.removeHandler(handler);
    }

    // Dozens of polls happened; two lines were written.
    long polls = sidecar.requests().stream().filter(r -> r.path().equals("/healthz/ready")).count();
    assertThat(polls).isGreaterThan(10);
    assertThat(records).hasSize(2);
    assertThat(records.get(0).getMessage()).startsWith("mesh-probe: waiting up to 400ms for the istio envoy sidecar");
    assertThat(records.get(1).getLevel()).isEqualTo(Level.WARNING);
    assertThat(records.get(1).getMessage()).contains("continuing without it");
  }

  @Test
  void listenersHearProgressAboutOnceASecondSoToolsCanShowIt() {
    FakeSidecar sidecar = track(FakeSidecar.istio().freePorts().readyManually().start());
    final List<String> progress = Collections.synchronizedList(new ArrayList<String>());
    MeshProbe probe =
        track(
            ProbeFixture.aimedAt(sidecar)
                .listener(
                    new MeshProbeListener() {
                      @Override
                      public void onWaiting(Detection detection, Duration waited, String lastAnswer) {
                        progress.add(waited.getSeconds() + "s " + lastAnswer);
                      }
                    })
                .build());

    assertThat(probe.awaitReady(Duration.ofMillis(1300)).outcome()).isEqualTo(WaitOutcome.TIMED_OUT);

    // One event as the wait starts, one after a second: not one per poll.
    assertThat(progress).containsExactly("0s null", "1s HTTP 503");
  }

  @Test
  void logLinesCanBeRedirectedAwayFromJavaUtilLogging() {
    final List<String> lines = Collections.synchronizedList(new ArrayList<String>());
    // The sink gets every level and filters for itself.
    io.meshprobe.internal.Log.redirect(
        (level, message, thrown) -> {
          if (level.intValue() >= Level.INFO.intValue()) {
            lines.add(level + " " + message);
          }
        });
    try {
      MeshProbe probe = track(ProbeFixture.isolated().build());
      probe.awaitReady(WAIT);
    } finally {
      io.meshprobe.internal.Log.redirect(null);
    }
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).startsWith("INFO no mesh proxy detected");
  }

  @Test
  void aClosedProbeRefusesWork() {
    MeshProbe probe = ProbeFixture.isolated().build();
    probe.close();
    probe.close();
    assertThatThrownBy(probe::detect).isInstanceOf(IllegalStateException.class).hasMessage("this MeshProbe is closed");
  }

  private void write(String name, String content) throws Exception {
    Files.write(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8));
  }
}
