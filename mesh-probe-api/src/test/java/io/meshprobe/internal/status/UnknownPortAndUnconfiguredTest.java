package io.meshprobe.internal.status;

import static io.meshprobe.internal.status.FixtureStatusTest.codes;
import static io.meshprobe.internal.status.FixtureStatusTest.read;
import static io.meshprobe.internal.status.FixtureStatusTest.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.Severity;
import io.meshprobe.status.Tristate;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two derivation rules: a port the config dump has no chain for makes no mTLS claim (the JVM's listening ports are
 * re-read after each snapshot, and may hold ports no Service targets); and an Envoy that gave up its initial fetch with
 * no successful update is {@code proxy-never-configured}.
 */
class UnknownPortAndUnconfiguredTest {
  static final Instant NOW = Instant.parse("2026-12-02T00:00:00Z");

  static Derivation.AppPorts listening(Integer... ports) {
    return new Derivation.AppPorts(List.of(), List.of(ports));
  }

  /**
   * Istio 1.4 STRICT (recorded): 9080 has its own mTLS-only chains; the catch-all is the plaintext passthrough. A
   * listening port the dump does not know (7777) used to fall to that passthrough: DISABLE, and with it the workload's
   * {@code mtls-disabled} ERROR. Now it is UNKNOWN and the workload stays STRICT.
   */
  @Test
  void istio14StrictUnknownListeningPortMakesNoMtlsClaim() throws IOException {
    Evidence e = read("istio/sidecar-1.4-productpage-strict-http.config_dump.json");
    MeshStatus s = Derivation.derive(e, null, listening(9080, 7777), NOW);
    assertThat(s.ports()).containsExactly(row(7777, PortProtocol.TCP, MtlsMode.UNKNOWN, Tristate.UNKNOWN), row(9080, PortProtocol.HTTP, MtlsMode.STRICT, Tristate.UNKNOWN));
    assertThat(s.mtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(codes(s)).doesNotContain("mtls-disabled", "port-mtls-disabled");
  }

  /** Only the unknown port listening (the re-read after the snapshot): no mode at all, rather than DISABLE + ERROR. */
  @Test
  void onlyUnknownPortsGiveAnUnknownWorkloadNotDisable() throws IOException {
    for (String f : List.of("istio/sidecar-1.4-productpage-strict-http.config_dump.json", "istio/sidecar-1.3-productpage-permissive-http.config_dump.json")) {
      MeshStatus s = Derivation.derive(read(f), null, listening(7777), NOW);
      assertThat(s.ports()).as(f).singleElement().satisfies(p -> assertThat(p.mtls()).isEqualTo(MtlsMode.UNKNOWN));
      assertThat(s.mtls()).as(f).isEqualTo(MtlsMode.UNKNOWN);
      assertThat(codes(s)).as(f).doesNotContain("mtls-disabled", "port-mtls-disabled");
      assertThat(s.hasErrors()).as(f).isFalse();
    }
  }

  /** The Envoy 1.40 recording (PERMISSIVE catch-all): its known ports keep their modes, an unknown one is UNKNOWN. */
  @Test
  void envoy140KnownPortsKeepTheirModes() throws IOException {
    Evidence e = read("envoy-1.40/istio-sidecar.config_dump.json");
    MeshStatus s = Derivation.derive(e, null, listening(9080, 9081, 7777), NOW);
    assertThat(s.ports()).extracting(p -> p.port() + " " + p.mtls()).containsExactly("7777 UNKNOWN", "9080 STRICT", "9081 PERMISSIVE");
  }

  /**
   * Envoy's xDS subscription statistics of a proxy that gave up its initial fetch (the counters named in Envoy's docs,
   * values written here for the rule, not recorded): CDS and LDS timed out, no update_success.
   */
  @Test
  void initialFetchTimeoutWithoutSuccessIsNeverConfigured() throws IOException {
    Evidence e = read("envoy/server_info.docs-example.json");
    e.envoyStats.put("cluster_manager.cds.init_fetch_timeout", 1.0);
    e.envoyStats.put("listener_manager.lds.init_fetch_timeout", 1.0);
    MeshStatus s = Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
    Finding f = s.findings().stream().filter(x -> x.code().equals(io.meshprobe.status.FindingCodes.PROXY_NEVER_CONFIGURED)).findFirst().orElseThrow();
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.message()).contains("CDS and LDS", "init_fetch_timeout", "control plane");
    assertThat(s.hasErrors()).isTrue();

    // One successful update each (a control plane that came late) clears it; so does a proxy that never timed out.
    e.envoyStats.put("cluster_manager.cds.update_success", 1.0);
    e.envoyStats.put("listener_manager.lds.update_success", 2.0);
    assertThat(codes(Derivation.derive(e, null, Derivation.AppPorts.none(), NOW))).doesNotContain(io.meshprobe.status.FindingCodes.PROXY_NEVER_CONFIGURED);
    Evidence fresh = read("envoy/server_info.docs-example.json");
    fresh.envoyStats.put("cluster_manager.cds.update_success", 1.0);
    assertThat(codes(Derivation.derive(fresh, null, Derivation.AppPorts.none(), NOW))).doesNotContain(io.meshprobe.status.FindingCodes.PROXY_NEVER_CONFIGURED);
  }

  /** The recorded health stats of a configured Envoy 1.40: no such finding. */
  @Test
  void recordedConfiguredEnvoyIsNotNeverConfigured() throws IOException {
    MeshStatus s = Derivation.derive(read("envoy-1.40/istio-sidecar.server_info.json", "envoy-1.40/istio-sidecar.stats-health.txt"), null, Derivation.AppPorts.none(), NOW);
    assertThat(codes(s)).doesNotContain(io.meshprobe.status.FindingCodes.PROXY_NEVER_CONFIGURED);
  }
}
