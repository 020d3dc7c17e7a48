package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.Severity;
import io.meshprobe.status.StatusDocument;
import io.meshprobe.testkit.FakeSidecar;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The liveness rule of the status refresh: a proxy that dies after it was ready turns the probe not ready with a
 * {@code proxy-unreachable} finding (not a {@code quit-unavailable} that blames the annotation), and all of it clears
 * when the proxy is back. Plus the refresher's lifecycle: explicit start, nothing after close.
 */
class ProxyLivenessTest {
  @RegisterExtension final Closer closer = new Closer();

  private static final PrintStream QUIET = new PrintStream(new java.io.ByteArrayOutputStream());

  private FakeSidecar istio() {
    return closer.track(FakeSidecar.istio().freePorts().log(QUIET).start());
  }

  private static List<String> codes(MeshStatus s) {
    return s.findings().stream().map(Finding::code).collect(Collectors.toList());
  }

  @Test
  void aProxyThatDiesAfterReady_isUnreachableWithinTwoPeriods_andClearsWhenItIsBack() {
    FakeSidecar sidecar = istio();
    MeshProbe probe =
        closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ofMillis(300)).build());
    List<MeshStatus> published = new CopyOnWriteArrayList<>();
    probe.addListener(
        new MeshProbeListener() {
          @Override
          public void onStatus(MeshStatus status) {
            published.add(status);
          }
        });
    assertThat(probe.awaitReady(Duration.ofSeconds(5)).isReady()).isTrue();
    assertThat(probe.startStatusRefresh()).isTrue();
    await().atMost(5, TimeUnit.SECONDS).until(() -> probe.status() != null);
    assertThat(codes(probe.status())).doesNotContain("proxy-unreachable", "quit-unavailable");

    int before = published.size();
    sidecar.kill();
    await().atMost(5, TimeUnit.SECONDS).until(() -> !probe.isReady() && codes(probe.status()).contains("proxy-unreachable"));
    // Within two refresh periods, counted in refreshes: the second snapshot read after the kill carries the verdict
    // (the third at most, if a read was in flight when the proxy died).
    await().atMost(5, TimeUnit.SECONDS).until(() -> published.stream().anyMatch(x -> codes(x).contains("proxy-unreachable")));
    List<MeshStatus> copy = new java.util.ArrayList<>(published);
    List<MeshStatus> after = copy.subList(before, copy.size());
    int verdict = 0;
    while (!codes(after.get(verdict)).contains("proxy-unreachable")) {
      verdict++;
    }
    assertThat(verdict).isLessThanOrEqualTo(2);
    MeshStatus dead = probe.status();
    Finding f = dead.findings().stream().filter(x -> x.code().equals("proxy-unreachable")).findFirst().orElseThrow(AssertionError::new);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.message()).contains("/healthz/ready").contains("restarted or died").contains("outbound calls");
    assertThat(codes(dead)).doesNotContain("quit-unavailable");
    assertThat(dead.hasErrors()).isTrue();
    assertThat(published).contains(dead);

    sidecar.restart();
    await().atMost(5, TimeUnit.SECONDS).until(() -> probe.isReady() && !codes(probe.status()).contains("proxy-unreachable"));
    assertThat(codes(probe.status())).doesNotContain("quit-unavailable");
  }

  @Test
  void oneSilentReadIsNotAVerdict_theSecondInARowIs() {
    FakeSidecar sidecar = istio();
    MeshProbe probe = closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ZERO).build());
    assertThat(probe.awaitReady(Duration.ofSeconds(5)).isReady()).isTrue();
    sidecar.kill();

    MeshStatus first = probe.refreshStatus();
    assertThat(codes(first)).doesNotContain("proxy-unreachable", "quit-unavailable");
    assertThat(probe.isReady()).isTrue();

    MeshStatus second = probe.refreshStatus();
    assertThat(codes(second)).contains("proxy-unreachable").doesNotContain("quit-unavailable");
    assertThat(probe.isReady()).isFalse();
  }

  @Test
  void aProxyNeverSeenReady_isLeftToTheWait_notCalledUnreachable() {
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().listenManually().log(QUIET).start());
    MeshProbe probe = closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ZERO).build());
    probe.refreshStatus();
    MeshStatus s = probe.refreshStatus();
    assertThat(codes(s)).doesNotContain("proxy-unreachable", "quit-unavailable");
    assertThat(probe.isReady()).isFalse();
  }

  @Test
  void aSnapshotTurnsTheProbeReady_afterATimedOutWait() {
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().readyManually().log(QUIET).start());
    MeshProbe probe = closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ZERO).build());
    assertThat(probe.awaitReady(Duration.ofMillis(100)).outcome()).isEqualTo(WaitOutcome.TIMED_OUT);
    probe.refreshStatus();
    assertThat(probe.isReady()).isFalse();
    sidecar.becomeReady();
    probe.refreshStatus();
    assertThat(probe.isReady()).isTrue();
  }

  @Test
  void statusStartsNothing_andTheRefreshStopsWithClose() {
    FakeSidecar sidecar = istio();
    MeshProbe probe = ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ofMillis(50)).build();
    assertThat(probe.status()).isNull();
    assertThat(statusThreads()).isZero();

    assertThat(probe.startStatusRefresh()).isTrue();
    assertThat(probe.startStatusRefresh()).isTrue(); // idempotent: still one thread
    await().atMost(5, TimeUnit.SECONDS).until(() -> probe.status() != null);
    MeshStatus last = probe.status();
    probe.close();

    await().atMost(5, TimeUnit.SECONDS).until(() -> statusThreads() == 0);
    assertThat(probe.startStatusRefresh()).isFalse();
    assertThat(statusThreads()).isZero();
    // After close the getter still answers (a last metrics flush reads it), and no refresh replaces the snapshot.
    assertThat(probe.status()).isNotNull();
    MeshStatus afterClose = probe.status();
    sidecar.kill(); // a refresh now would find it silent; none may run
    await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> probe.status() == afterClose);
    assertThat(afterClose.takenAt()).isAfterOrEqualTo(last.takenAt());
  }

  private static long statusThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("mesh-probe-status") && t.isAlive()).count();
  }

  @Test
  void closeInterruptsTheProbesOwnWait() throws Exception {
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().readyManually().log(QUIET).start());
    MeshProbe probe = ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).build();
    CompletableFuture<WaitResult> wait = probe.awaitReadyAsync(Duration.ofMinutes(5));
    await().atMost(5, TimeUnit.SECONDS).until(() -> !sidecar.requests().isEmpty());
    probe.close();
    WaitResult r = wait.get(5, TimeUnit.SECONDS);
    assertThat(r.outcome()).isEqualTo(WaitOutcome.INTERRUPTED);
  }

  @Test
  void closeEndsAWaitOnAnotherThread() throws Exception {
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().readyManually().log(QUIET).start());
    MeshProbe probe = ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).build();
    CompletableFuture<WaitResult> wait = CompletableFuture.supplyAsync(() -> probe.awaitReady(Duration.ofMinutes(5)));
    await().atMost(5, TimeUnit.SECONDS).until(() -> !sidecar.requests().isEmpty());
    probe.close();
    assertThat(wait.get(5, TimeUnit.SECONDS).outcome()).isEqualTo(WaitOutcome.INTERRUPTED);
  }

  @Test
  void declaredAppPortsFillThePortTable_butConfiguredPortsWin() {
    FakeSidecar sidecar = istio();
    MeshProbe probe = closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ZERO).build());
    probe.declareAppPorts(Arrays.asList(18080, 18081, 18080));
    assertThat(probe.refreshStatus().ports().stream().map(PortStatus::port)).containsExactly(18080, 18081);
    probe.declareAppPorts(null);
    assertThat(probe.refreshStatus().ports().stream().map(PortStatus::port)).doesNotContain(18080, 18081);

    MeshProbe configured =
        closer.track(
            ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ZERO).ports(Arrays.asList(9000)).build());
    configured.declareAppPorts(Arrays.asList(18080));
    assertThat(configured.refreshStatus().ports().stream().map(PortStatus::port)).containsExactly(9000);
  }

  @Test
  void theStatusDocumentHasOneSetOfNames() {
    FakeSidecar sidecar = istio();
    MeshProbe probe = closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).statusRefresh(Duration.ZERO).build());
    MeshStatus s = probe.refreshStatus();
    Map<String, Object> doc = StatusDocument.toMap(s);
    assertThat(doc.keySet())
        .containsExactly("schema", "proxy", "identity", "certificate", "mtls", "ports", "health", "findings", "notes", "takenAt");
    assertThat(doc.get("schema")).isEqualTo("meshprobe.status/v1");
    assertThat(s.toJson()).startsWith("{").contains("\"schema\" : \"meshprobe.status/v1\"").contains("\"notAfter\"").endsWith("}\n");
    @SuppressWarnings("unchecked")
    Map<String, Object> mtls = (Map<String, Object>) doc.get("mtls");
    assertThat(s.toJson()).contains("\"mode\" : \"" + mtls.get("mode") + "\"");
  }

  @Test
  void theBackgroundWaitLogsOnceWhenItStartsAndOnceWhenItEnds() throws Exception {
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().readyManually().log(QUIET).start());
    MeshProbe probe = closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).waitInterval(Duration.ofMillis(5)).build());
    List<String> lines = new CopyOnWriteArrayList<>();
    io.meshprobe.internal.Log.redirect(
        (level, message, thrown) -> {
          if (level.intValue() >= java.util.logging.Level.INFO.intValue()) {
            lines.add(level + " " + message);
          }
        });
    try {
      CompletableFuture<WaitResult> wait = probe.awaitReadyInBackground();
      // Several polls, with the period growing: none of them logs.
      await().atMost(10, TimeUnit.SECONDS).until(() -> sidecar.requests().size() >= 6);
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).startsWith("INFO waiting in the background, with no deadline");
      sidecar.becomeReady();
      WaitResult r = wait.get(10, TimeUnit.SECONDS);
      assertThat(r.outcome()).isEqualTo(WaitOutcome.READY);
      assertThat(lines).hasSize(2);
      assertThat(lines.get(1)).startsWith("INFO ").contains("ready");
      assertThat(probe.isReady()).isTrue();
    } finally {
      io.meshprobe.internal.Log.redirect(null);
    }
  }
}
