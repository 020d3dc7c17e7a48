package io.meshprobe.internal.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Results;
import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.Tristate;
import java.io.IOException;
import java.time.Instant;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The payloads recorded from a real Envoy 1.40 (the testkit's {@code envoy-1.40/}, see its SOURCES.md): an
 * Istio-shaped sidecar with 9080 HTTP STRICT, 9081 HTTP PERMISSIVE and 9090 TCP PERMISSIVE, a 24 h certificate minted
 * 2026-12-01T23:01:08Z. The expected values are read from the files (jq): the chains of {@code virtualInbound} per
 * destination_port, {@code /certs} cert_chain[0], {@code /server_info} node metadata, the health stats (lds.update_time, the later of the two update times, is the last config update).
 */
class RealEnvoyFixtureStatusTest {
  static final String DIR = "envoy-1.40/istio-sidecar.";
  /** An hour after the recording: the certificate has 23 of its 24 h left, no certificate finding. */
  static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");

  static MeshStatus status(String... files) throws IOException {
    String[] paths = new String[files.length];
    for (int i = 0; i < files.length; i++) {
      paths[i] = DIR + files[i];
    }
    return Derivation.derive(FixtureStatusTest.read(paths), null, Derivation.AppPorts.none(), NOW);
  }

  @Test
  void wholeDumpCertsServerInfoAndStats() throws IOException {
    MeshStatus s = status("server_info.json", "config_dump.json", "certs.json", "stats-health.txt");
    assertThat(s.proxy().mesh()).isEqualTo("istio");
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.ENVOY);
    assertThat(s.proxy().version()).isEqualTo("1.28.0");
    assertThat(s.proxy().nativeSidecar()).isEqualTo(Tristate.NO);
    assertThat(s.ports())
        .containsExactly(
            Results.portStatus(9080, PortProtocol.HTTP, MtlsMode.STRICT, Tristate.YES, null),
            Results.portStatus(9081, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.YES, null),
            Results.portStatus(9090, PortProtocol.TCP, MtlsMode.PERMISSIVE, Tristate.YES, null));
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(s.identity().name()).isEqualTo("spiffe://cluster.local/ns/jobs/sa/nightly-report");
    assertThat(s.identity().notBefore()).isEqualTo(Instant.parse("2026-12-01T23:01:08Z"));
    assertThat(s.identity().notAfter()).isEqualTo(Instant.parse("2026-12-02T23:02:08Z"));
    // The whole dump holds the SDS secrets too; the secret "default" is preferred as the source.
    assertThat(s.identity().source()).isEqualTo("secrets dump (default)");
    assertThat(s.health().controlPlaneConnected()).isEqualTo(Tristate.YES);
    assertThat(s.health().memoryBytes()).isEqualTo(15657790L);
    assertThat(s.health().lastConfigUpdate()).isEqualTo(Instant.ofEpochMilli(1796166136688L));
    assertThat(s.findings().stream().map(Finding::code).collect(Collectors.toList())).containsExactlyInAnyOrder("mtls-permissive", "port-raw-tcp");
  }

  /** The query mesh-probe asks first ({@code ?resource=dynamic_listeners&name_regex=virtualInbound}) gives the same ports. */
  @Test
  void inboundOnlyDumpGivesTheSamePorts() throws IOException {
    MeshStatus s = status("inbound.config_dump.json");
    assertThat(s.ports()).extracting(PortStatus::port, PortStatus::protocol, PortStatus::mtls)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(9080, PortProtocol.HTTP, MtlsMode.STRICT),
            org.assertj.core.groups.Tuple.tuple(9081, PortProtocol.HTTP, MtlsMode.PERMISSIVE),
            org.assertj.core.groups.Tuple.tuple(9090, PortProtocol.TCP, MtlsMode.PERMISSIVE));
  }

  /** {@code /certs} alone (what the live status reads): the same certificate, from Envoy's own summary. */
  @Test
  void certsAloneGiveTheIdentity() throws IOException {
    MeshStatus s = status("certs.json");
    assertThat(s.identity().name()).isEqualTo("spiffe://cluster.local/ns/jobs/sa/nightly-report");
    assertThat(s.identity().notAfter()).isEqualTo(Instant.parse("2026-12-02T23:02:08Z"));
    assertThat(s.identity().source()).isEqualTo("/certs");
  }

  /** The whole dump's secrets give the same identity as {@code /certs} (Istio's fallback when /certs names none). */
  @Test
  void secretsInTheWholeDumpCarryTheSameCertificate() throws IOException {
    MeshStatus s = status("config_dump.json");
    assertThat(s.identity()).isNotNull();
    assertThat(s.identity().name()).isEqualTo("spiffe://cluster.local/ns/jobs/sa/nightly-report");
    assertThat(s.identity().notAfter()).isEqualTo(Instant.parse("2026-12-02T23:02:08Z"));
  }

  /** The fake sidecar serves the modern STRICT set too: the library reads it live as it reads the real Envoy. */
  @Test
  void fakeSidecarServingTheRecordedSet() {
    try (io.meshprobe.testkit.FakeSidecar fake =
            io.meshprobe.testkit.FakeSidecar.istio()
                .freePorts()
                .log(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
                .configDump(DIR + "config_dump.json")
                .certs(DIR + "certs.json")
                .start();
        io.meshprobe.MeshProbe probe =
            io.meshprobe.MeshProbe.builder()
                .mesh(io.meshprobe.MeshType.ISTIO_SIDECAR)
                .istioAdminUrl(fake.url(io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN))
                .istioStatusUrl(fake.url(io.meshprobe.testkit.SidecarPort.ISTIO_STATUS))
                .istioReadinessUrl(fake.url(io.meshprobe.testkit.SidecarPort.ISTIO_READINESS))
                .statusRefresh(java.time.Duration.ZERO)
                .build()) {
      MeshStatus s = probe.refreshStatus();
      assertThat(s.proxy().version()).isEqualTo("1.28.0");
      assertThat(s.ports()).extracting(PortStatus::port, PortStatus::mtls)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(9080, MtlsMode.STRICT),
              org.assertj.core.groups.Tuple.tuple(9081, MtlsMode.PERMISSIVE),
              org.assertj.core.groups.Tuple.tuple(9090, MtlsMode.PERMISSIVE));
      assertThat(s.identity().name()).isEqualTo("spiffe://cluster.local/ns/jobs/sa/nightly-report");
    }
  }

  /** Envoy's real error_state for a listener it rejected (two chains with the same match) names it in the finding. */
  @Test
  void rejectedListenerErrorStateNamesTheListener() throws IOException {
    MeshStatus s = status("rejected-listener.config_dump.json");
    assertThat(s.health().rejectedConfigs()).hasSize(1);
    assertThat(s.health().rejectedConfigs().get(0)).contains("0.0.0.0_9443");
    assertThat(s.findings()).anySatisfy(f -> {
      assertThat(f.code()).isEqualTo("config-rejected");
      assertThat(f.message()).contains("0.0.0.0_9443");
    });
  }
}
