package io.meshprobe.envoytests;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.QuitOutcome;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitOutcome;
import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.OptionalInt;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The quit on the real Envoy (the Job-completion promise: the process exits, exit code observed), the generic Envoy
 * mesh, a certificate close to expiry, and faults only a real proxy shows. Each test ends its Envoy, so each starts one.
 */
@RequiresEnvoy
class QuitAndFaultsTest {

  @Test
  void istioQuitThroughPilotAgentMakesTheRealEnvoyExitWithCodeZero() throws Exception {
    try (RealSidecar s = live(RealSidecar.istio().dir(Dirs.next("quit-istio")));
        MeshProbe probe = s.meshProbe().build()) {
      assertThat(probe.awaitReady(Duration.ofSeconds(30)).outcome()).isEqualTo(WaitOutcome.READY);
      QuitResult quit = probe.quitProxy();
      assertThat(quit.outcome()).as(quit.message()).isEqualTo(QuitOutcome.SUCCESS);
      assertThat(quit.message()).contains(s.statusUrl() + "/quitquitquit");
      OptionalInt exit = s.envoy().awaitExit(10_000);
      assertThat(exit).as("Envoy exited after the quit").isPresent();
      assertThat(exit.getAsInt()).isZero();
      assertThat(s.pilotAgent().quitsAccepted()).isEqualTo(1);
      assertThat(probe.quitProxy().outcome()).as("a second quit is idempotent").isNotEqualTo(QuitOutcome.FAILED);
    }
  }

  @Test
  void genericEnvoyMeshWaitStatusAndQuitThroughTheAdminApi() throws Exception {
    try (RealSidecar s = live(RealSidecar.envoyMesh().dir(Dirs.next("quit-envoy-mesh")));
        MeshProbe probe = s.meshProbe().statusRefresh(Duration.ZERO).build()) {
      assertThat(probe.awaitReady(Duration.ofSeconds(30)).outcome()).isEqualTo(WaitOutcome.READY);
      MeshStatus status = probe.refreshStatus();
      assertThat(status.proxy().mesh()).isEqualTo("envoy");
      assertThat(status.proxy().version()).isEqualTo("1.40.0");
      assertThat(status.identity()).isNotNull();
      assertThat(status.identity().name()).isEqualTo(RealSidecar.SPIFFE_ID);
      assertThat(status.identity().notAfter()).isEqualTo(s.certificate().notAfter().truncatedTo(ChronoUnit.SECONDS));

      QuitResult quit = probe.quitProxy();
      assertThat(quit.outcome()).as(quit.message()).isEqualTo(QuitOutcome.SUCCESS);
      OptionalInt exit = s.envoy().awaitExit(10_000);
      assertThat(exit).isPresent();
      assertThat(exit.getAsInt()).isZero();
    }
  }

  @Test
  void certificateCloseToExpiryIsAFinding() throws Exception {
    // 23 h of a 24 h certificate used: 1 h left, under a fifth of its life, so rotation is late.
    try (RealSidecar s = live(RealSidecar.istio().certIssuedAgo(Duration.ofHours(23)).certLifetime(Duration.ofHours(1)).dir(Dirs.next("cert-soon")));
        MeshProbe probe = s.meshProbe().statusRefresh(Duration.ZERO).build()) {
      probe.awaitReady(Duration.ofSeconds(30));
      MeshStatus status = probe.refreshStatus();
      assertThat(status.identity().notAfter()).isEqualTo(s.certificate().notAfter().truncatedTo(ChronoUnit.SECONDS));
      assertThat(status.findings().stream().map(Finding::code).collect(Collectors.toList())).contains("cert-expires-soon");
      // Envoy's own view: days_until_expiration is a truncated day count, "0" here.
      assertThat(s.admin().get("/certs").body()).contains("\"days_until_expiration\": \"0\"");
    }
  }

  /**
   * Envoy draining (a graceful {@code /drain_listeners}, as pilot-agent starts on SIGTERM, with a 30 s drain time):
   * the quit still ends Envoy at once, well before the drain would have.
   */
  @Test
  void envoyDrainingTheQuitStillEndsItAtOnce() throws Exception {
    try (RealSidecar s = live(RealSidecar.istio().drainTimeSeconds(30).dir(Dirs.next("quit-draining")));
        MeshProbe probe = s.meshProbe().build()) {
      assertThat(probe.awaitReady(Duration.ofSeconds(30)).outcome()).isEqualTo(WaitOutcome.READY);
      HttpResponse<String> drain = s.admin().post("/drain_listeners?graceful&inboundonly");
      assertThat(drain.statusCode()).isEqualTo(200);
      assertThat(s.admin().stat("listener_manager.total_listeners_draining")).isNotNull();

      long quitAt = System.nanoTime();
      QuitResult quit = probe.quitProxy();
      assertThat(quit.outcome()).as(quit.message()).isEqualTo(QuitOutcome.SUCCESS);
      OptionalInt exit = s.envoy().awaitExit(15_000);
      assertThat(exit).isPresent();
      assertThat(Duration.ofNanos(System.nanoTime() - quitAt)).isLessThan(Duration.ofSeconds(15));
      assertThat(exit.getAsInt()).isZero();
    }
  }

  /**
   * Envoy dies while pilot-agent lives on (the admin port closes while the pod is ready): the status read ends within
   * its budget with notes, readiness stays latched as pilot-agent's does, nothing throws.
   */
  @Test
  void adminPortClosedWhileReady() throws Exception {
    try (RealSidecar s = live(RealSidecar.istio().dir(Dirs.next("admin-closed")));
        MeshProbe probe = s.meshProbe().statusRefresh(Duration.ZERO).build()) {
      assertThat(probe.awaitReady(Duration.ofSeconds(30)).outcome()).isEqualTo(WaitOutcome.READY);
      assertThat(probe.refreshStatus().identity()).isNotNull();

      s.envoy().kill();
      long t0 = System.nanoTime();
      MeshStatus status = probe.refreshStatus();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
      assertThat(status.identity()).isNull();
      assertThat(status.ports()).isEmpty();
      assertThat(status.notes()).anySatisfy(n -> assertThat(n).contains(s.adminUrl()));
      assertThat(probe.isReady()).isTrue();
    }
  }

  private static RealSidecar live(RealSidecar.Builder b) throws InterruptedException {
    RealSidecar s = b.start();
    try {
      s.pushConfig();
      s.awaitLive(Duration.ofSeconds(30));
      return s;
    } catch (RuntimeException | Error | InterruptedException e) {
      s.close();
      throw e;
    }
  }
}
