package io.meshprobe.envoytests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.MeshProbe;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.status.MeshStatus;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The wait against a real Envoy whose configuration arrives over a real xDS stream: mesh-probe starts waiting while
 * Envoy is PRE_INITIALIZING and is released when (not before) the control plane's first snapshot has made it LIVE.
 * Each test needs an Envoy that has never been configured, so each starts its own.
 */
@RequiresEnvoy
class WaitOnRealEnvoyTest {
  private static final Duration HELD = Duration.ofSeconds(2);

  @Test
  void releasedWhenEnvoyGoesLiveAfterTheFirstSnapshot() throws Exception {
    try (RealSidecar s = RealSidecar.istio().dir(Dirs.next("wait-first-snapshot")).start();
        MeshProbe probe = s.meshProbe().build()) {
      CompletableFuture<String> stateAtRelease = startWait(probe, s);
      assertHeld(stateAtRelease, s, "PRE_INITIALIZING");

      long pushedAt = System.currentTimeMillis();
      s.pushConfig();
      assertThat(stateAtRelease.get(30, TimeUnit.SECONDS)).as("Envoy's own /ready when mesh-probe let the app go").isEqualTo("LIVE");
      WaitResult r = probe.lastWait();
      assertThat(r.outcome()).as(r.message()).isEqualTo(WaitOutcome.READY);
      assertThat(r.waited()).isGreaterThanOrEqualTo(HELD);
      assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(pushedAt);
      assertThat(s.admin().stat("listener_manager.lds.update_success")).isPositive();
      assertThat(s.admin().stat("cluster_manager.cds.update_success")).isPositive();
    }
  }

  @Test
  void controlPlaneStartsLateTheWaitHoldsThenReleases() throws Exception {
    try (RealSidecar s = RealSidecar.istio().controlPlaneLate().dir(Dirs.next("wait-late-control-plane")).start();
        MeshProbe probe = s.meshProbe().build()) {
      CompletableFuture<String> stateAtRelease = startWait(probe, s);
      assertHeld(stateAtRelease, s, "PRE_INITIALIZING");
      assertThat(s.admin().stat("control_plane.connected_state")).isZero();

      s.controlPlane().start();
      s.pushConfig();
      assertThat(stateAtRelease.get(60, TimeUnit.SECONDS)).isEqualTo("LIVE");
      assertThat(probe.lastWait().outcome()).isEqualTo(WaitOutcome.READY);
      assertThat(s.admin().stat("control_plane.connected_state")).isEqualTo(1);
    }
  }

  @Test
  void envoyKilledAndRestartedDuringTheWait() throws Exception {
    try (RealSidecar s = RealSidecar.istio().dir(Dirs.next("wait-restart")).start();
        MeshProbe probe = s.meshProbe().build()) {
      CompletableFuture<String> stateAtRelease = startWait(probe, s);
      assertHeld(stateAtRelease, s, "PRE_INITIALIZING");
      long firstPid = s.envoy().pid();

      s.envoy().kill();
      assertHeld(stateAtRelease, s, null); // nothing answers: every port refuses
      s.envoy().start();
      assertThat(s.envoy().pid()).isNotEqualTo(firstPid);
      s.pushConfig();

      assertThat(stateAtRelease.get(60, TimeUnit.SECONDS)).isEqualTo("LIVE");
      assertThat(probe.lastWait().outcome()).isEqualTo(WaitOutcome.READY);
    }
  }

  @Test
  void sigkillMidWaitWithoutRestartEndsInTimeoutNotAHang() throws Exception {
    try (RealSidecar s = RealSidecar.istio().dir(Dirs.next("wait-sigkill")).start();
        MeshProbe probe = s.meshProbe().build()) {
      CompletableFuture<WaitResult> wait = probe.awaitReadyAsync(Duration.ofSeconds(4));
      await().atMost(Duration.ofSeconds(10)).until(() -> "PRE_INITIALIZING".equals(s.admin().state()));
      s.envoy().kill();
      WaitResult r = wait.get(15, TimeUnit.SECONDS);
      assertThat(r.outcome()).as(r.message()).isEqualTo(WaitOutcome.TIMED_OUT);
      assertThat(r.waited()).isLessThan(Duration.ofSeconds(8));
      assertThat(r.message()).isNotBlank();
    }
  }

  /**
   * Envoy never gets configuration. Its initial fetch timeout (1 s here; Istio sets none) expires and Envoy itself
   * goes LIVE with no listener at all; pilot-agent's rule (CDS and LDS updated at least once) keeps the pod unready,
   * so mesh-probe, which asks Istio's readiness port, keeps the app held and times out.
   */
  @Test
  void neverConfiguredIstioStaysUnreadyEvenThoughEnvoyItselfTurnsLive() throws Exception {
    try (RealSidecar s = RealSidecar.istio().initialFetchTimeout(Duration.ofSeconds(1)).dir(Dirs.next("wait-never-istio")).start();
        MeshProbe probe = s.meshProbe().statusRefresh(Duration.ZERO).build()) {
      WaitResult r = probe.awaitReady(Duration.ofSeconds(4));
      assertThat(r.outcome()).as(r.message()).isEqualTo(WaitOutcome.TIMED_OUT);
      assertThat(s.admin().state()).as("Envoy's own state after its initial fetch timeout").isEqualTo("LIVE");
      assertThat(s.admin().stat("listener_manager.lds.update_success")).isZero();

      MeshStatus status = probe.refreshStatus();
      assertThat(status.ports()).as("no inbound listener: nothing to report per port").isEmpty();
      assertThat(status.identity()).as("no certificate was ever delivered").isNull();
      // The ADS stream is up (istiod reachable, it just never answered): connected, but no config update ever.
      assertThat(status.health().controlPlaneConnected()).isEqualTo(io.meshprobe.status.Tristate.YES);
      assertThat(status.health().lastConfigUpdate()).isNull();
      assertThat(status.notes()).anySatisfy(n -> assertThat(n).contains("no inbound listener"));
      assertThat(r.message()).contains("HTTP 503");
    }
  }

  /**
   * The same on a generic Envoy mesh, where Envoy's {@code /ready} is the only readiness signal: after the initial
   * fetch timeout it answers LIVE with no configuration, and mesh-probe (like every /ready poller) releases the app.
   */
  @Test
  void neverConfiguredGenericEnvoyReportsLiveAfterItsInitialFetchTimeout() throws Exception {
    try (RealSidecar s = RealSidecar.envoyMesh().initialFetchTimeout(Duration.ofSeconds(1)).dir(Dirs.next("wait-never-envoy")).start();
        MeshProbe probe = s.meshProbe().statusRefresh(Duration.ZERO).build()) {
      WaitResult r = probe.awaitReady(Duration.ofSeconds(10));
      assertThat(r.outcome()).as(r.message()).isEqualTo(WaitOutcome.READY);
      assertThat(r.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(900));
      assertThat(s.admin().stat("listener_manager.lds.update_success")).isZero();
      MeshStatus status = probe.refreshStatus();
      assertThat(status.identity()).isNull();
      assertThat(status.ports()).isEmpty();
      assertThat(status.health().lastConfigUpdate()).isNull();
      assertThat(status.notes()).anySatisfy(n -> assertThat(n).contains("no listeners were read"));
      assertThat(status.findings()).anySatisfy(f -> assertThat(f.code()).isEqualTo("proxy-never-configured"));
      assertThat(status.hasErrors()).isTrue();
    }
  }

  /**
   * A bootstrap whose xDS cluster points nowhere (the control plane never starts) and a 1 s initial fetch timeout:
   * Envoy counts {@code init_fetch_timeout}, turns LIVE with no configuration, and the wait is released like every
   * /ready poller's; the status names it with the ERROR {@code proxy-never-configured}, which says what to check.
   */
  @Test
  void xdsClusterPointingNowhereIsProxyNeverConfigured() throws Exception {
    try (RealSidecar s =
            RealSidecar.envoyMesh().controlPlaneLate().initialFetchTimeout(Duration.ofSeconds(1)).dir(Dirs.next("never-configured")).start();
        MeshProbe probe = s.meshProbe().statusRefresh(Duration.ZERO).build()) {
      WaitResult r = probe.awaitReady(Duration.ofSeconds(10));
      assertThat(r.outcome()).as(r.message()).isEqualTo(WaitOutcome.READY);
      assertThat(s.admin().stat("cluster_manager.cds.init_fetch_timeout")).isPositive();
      MeshStatus status = probe.refreshStatus();
      io.meshprobe.status.Finding f =
          status.findings().stream().filter(x -> x.code().equals("proxy-never-configured")).findFirst().orElse(null);
      assertThat(f).as(status.toString()).isNotNull();
      assertThat(f.severity()).isEqualTo(io.meshprobe.status.Severity.ERROR);
      assertThat(f.message()).contains("init_fetch_timeout", "control plane");
      assertThat(status.hasErrors()).isTrue();
    }
  }

  /** A configured generic Envoy shows no such finding. */
  @Test
  void configuredGenericEnvoyIsNotNeverConfigured() throws Exception {
    try (RealSidecar s = RealSidecar.envoyMesh().initialFetchTimeout(Duration.ofSeconds(1)).dir(Dirs.next("configured")).start();
        MeshProbe probe = s.meshProbe().statusRefresh(Duration.ZERO).build()) {
      s.pushConfig();
      assertThat(probe.awaitReady(Duration.ofSeconds(10)).outcome()).isEqualTo(WaitOutcome.READY);
      MeshStatus status = probe.refreshStatus();
      assertThat(status.findings()).noneSatisfy(f -> assertThat(f.code()).isEqualTo("proxy-never-configured"));
    }
  }

  /** Starts the wait; the future completes with Envoy's own state read at the moment the wait released the app. */
  private static CompletableFuture<String> startWait(MeshProbe probe, RealSidecar s) {
    return probe.awaitReadyAsync(Duration.ofSeconds(60)).thenApply(r -> r.isReady() ? s.admin().state() : "not released: " + r);
  }

  /** For {@link #HELD}, the app stays held and Envoy stays in {@code state} (null: nothing answers). */
  private static void assertHeld(CompletableFuture<String> release, RealSidecar s, String state) {
    await()
        .during(HELD)
        .atMost(HELD.plusSeconds(10))
        .until(() -> !release.isDone() && java.util.Objects.equals(state, s.admin().state()));
  }
}
