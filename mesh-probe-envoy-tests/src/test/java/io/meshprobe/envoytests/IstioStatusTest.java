package io.meshprobe.envoytests;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.WaitOutcome;
import io.meshprobe.internal.Results;
import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.Tristate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Status and proxy health read from the real admin API of Envoy 1.40, Istio-shaped, one Envoy for the class: the
 * ports of the three kinds, identity and expiry, memory, then (in order) a rejected listener and a stopped control
 * plane.
 */
@RequiresEnvoy
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IstioStatusTest {
  static RealSidecar sidecar;
  static MeshProbe probe;

  @BeforeAll
  static void start() throws Exception {
    sidecar = RealSidecar.istio().dir(Dirs.next("istio-status")).start();
    sidecar.pushConfig();
    sidecar.awaitLive(Duration.ofSeconds(30));
    probe = sidecar.meshProbe().statusRefresh(Duration.ZERO).build();
    assertThat(probe.awaitReady(Duration.ofSeconds(30)).outcome()).isEqualTo(WaitOutcome.READY);
  }

  @AfterAll
  static void stop() {
    if (probe != null) {
      probe.close();
    }
    if (sidecar != null) {
      sidecar.close();
    }
  }

  @Test
  @Order(1)
  void portsStrictPermissiveAndRawTcpAsIstioBuildsThem() {
    MeshStatus s = probe.refreshStatus();
    assertThat(s.proxy().mesh()).isEqualTo("istio");
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.ENVOY);
    assertThat(s.proxy().version()).isEqualTo(RealSidecar.ISTIO_VERSION);
    assertThat(s.proxy().nativeSidecar()).isEqualTo(Tristate.NO);
    assertThat(s.ports())
        .as(s.notes().toString())
        .containsExactly(
            Results.portStatus(9080, PortProtocol.HTTP, MtlsMode.STRICT, Tristate.YES, null),
            Results.portStatus(9081, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.YES, null),
            Results.portStatus(9090, PortProtocol.TCP, MtlsMode.PERMISSIVE, Tristate.YES, null));
    // Two of three ports accept plaintext: the workload reads PERMISSIVE, with the finding.
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(codes(s)).contains("mtls-permissive", "port-raw-tcp").doesNotContain("cert-expired", "cert-expires-soon", "config-rejected");
  }

  @Test
  @Order(2)
  void identityAndExpiryAreTheMintedCertificates() {
    MeshStatus s = probe.refreshStatus();
    assertThat(s.identity()).isNotNull();
    assertThat(s.identity().name()).isEqualTo(RealSidecar.SPIFFE_ID);
    // Envoy's /certs gives whole seconds (RFC 3339 without fractions).
    assertThat(s.identity().notAfter()).isEqualTo(sidecar.certificate().notAfter().truncatedTo(ChronoUnit.SECONDS));
    assertThat(s.identity().notBefore()).isEqualTo(sidecar.certificate().certificate().getNotBefore().toInstant());
  }

  @Test
  @Order(3)
  void healthConnectedMemoryAndQuitPathFromTheRealStats() {
    MeshStatus s = probe.refreshStatus();
    assertThat(s.health().controlPlaneConnected()).isEqualTo(Tristate.YES);
    assertThat(s.health().configRejected()).isZero();
    assertThat(s.health().quitAvailable()).isEqualTo(Tristate.YES);
    Long memory = s.health().memoryBytes();
    Long physical = sidecar.admin().stat("server.memory_physical_size");
    assertThat(memory).isNotNull().isPositive();
    assertThat(physical).isNotNull();
    // Both readings of a live heap: same order of magnitude (the allocator moves between the two reads).
    assertThat((double) memory).isBetween(physical * 0.5, physical * 2.0);
    assertThat(s.health().lastConfigUpdate()).isNotNull().isBefore(Instant.now().plusSeconds(1));
  }

  @Test
  @Order(4)
  void aListenerEnvoyRejectsIsNamedByTheConfigRejectedFinding() throws Exception {
    int nacksBefore = sidecar.controlPlane().nacks().size();
    sidecar.pushRejectedListener();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (sidecar.controlPlane().nacks().size() == nacksBefore && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(sidecar.controlPlane().nacks()).as("Envoy NACKs the LDS update").hasSizeGreaterThan(nacksBefore);
    assertThat(sidecar.admin().stat("listener_manager.lds.update_rejected")).isPositive();

    MeshStatus s = probe.refreshStatus();
    assertThat(s.health().configRejected()).isPositive();
    assertThat(s.health().rejectedConfigs()).as(s.notes().toString()).anySatisfy(r -> assertThat(r).contains("0.0.0.0_9443"));
    List<Finding> rejected = s.findings().stream().filter(f -> f.code().equals("config-rejected")).collect(Collectors.toList());
    assertThat(rejected).anySatisfy(f -> assertThat(f.message()).contains("0.0.0.0_9443"));
    // The rest of the config still serves: the ports are unchanged.
    assertThat(s.ports()).hasSize(3);
  }

  @Test
  @Order(5)
  void controlPlaneGoneConnectedStateDropsToZero() throws Exception {
    sidecar.controlPlane().stop();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!Long.valueOf(0).equals(sidecar.admin().stat("control_plane.connected_state")) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(sidecar.admin().stat("control_plane.connected_state")).isZero();

    MeshStatus s = probe.refreshStatus();
    assertThat(s.health().controlPlaneConnected()).isEqualTo(Tristate.NO);
    assertThat(codes(s)).contains("controlplane-disconnected");
    assertThat("LIVE").as("Envoy keeps serving its last config").isEqualTo(sidecar.admin().state());
  }

  static List<String> codes(MeshStatus s) {
    return s.findings().stream().map(Finding::code).collect(Collectors.toList());
  }
}
