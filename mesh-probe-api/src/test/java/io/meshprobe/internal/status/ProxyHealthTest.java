package io.meshprobe.internal.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.Tristate;
import io.meshprobe.testkit.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Proxy health from real payloads where they carry it, and from Envoy's documented stat and error_state shapes. */
class ProxyHealthTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  static MeshStatus status(Evidence e) {
    return Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
  }

  static void read(Evidence e, String text) throws IOException {
    Payloads.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), e);
  }

  static void fixture(Evidence e, String name) throws IOException {
    try (InputStream in = Fixtures.open(name)) {
      Payloads.read(in, e);
    }
  }

  static List<String> codes(MeshStatus s) {
    return s.findings().stream().map(f -> f.code()).collect(Collectors.toList());
  }

  /**
   * The 2022 linkerd-proxy scrape carries process_resident_memory_bytes 17805312, process_cpu_seconds_total 0.07 and
   * control_response_total{classification="success"} 1 + 1 (destination, identity); no connected-state gauge, no
   * config-rejection counter (Linkerd has neither), so those stay unknown.
   */
  @Test
  void linkerd2022Metrics_processAndControlSeries() throws IOException {
    Evidence e = new Evidence();
    fixture(e, "linkerd/proxy-metrics-2022-sample.prom.txt");
    assertThat(e.linkerdControlSeen).isTrue();
    assertThat(e.linkerdControl).containsExactly(2, 0);
    ProxyHealth h = status(e).health();
    assertThat(h.memoryBytes()).isEqualTo(17805312L);
    assertThat(h.cpuSeconds()).isEqualTo(0.07);
    assertThat(h.controlPlaneConnected()).isEqualTo(Tristate.UNKNOWN);
    assertThat(h.configRejected()).isNull();
    assertThat(h.lastConfigUpdate()).isNull();
    assertThat(codes(status(e))).doesNotContain("proxy-memory-over-budget");
    // 17 MiB is over a 16 MiB budget.
    assertThat(codes(Derivation.derive(e, null, Derivation.AppPorts.none(), NOW, 16L << 20))).contains("proxy-memory-over-budget");
  }

  /**
   * pilot-agent's readiness probe text (istio probe_test.go): cds/lds update_success 1, no update_rejected line. Asked
   * with usedonly, a counter that never moved is left out, so the rejections are 0; no connected-state or time stat.
   */
  @Test
  void istioReadinessStats_rejectedIsZero() throws IOException {
    Evidence e = new Evidence();
    fixture(e, "envoy/stats-readiness-filter-live.istio-test.txt");
    assertThat(e.envoyStats).containsEntry("cluster_manager.cds.update_success", 1.0).containsEntry("server.state", 0.0);
    e.listenersSeen = true;
    e.nodeId = "sidecar~10.0.0.1~app.default~default.svc.cluster.local";
    e.role = Evidence.EnvoyRole.SIDECAR;
    ProxyHealth h = status(e).health();
    assertThat(h.configRejected()).isZero();
    assertThat(h.controlPlaneConnected()).isEqualTo(Tristate.UNKNOWN);
  }

  /** Envoy /stats text named as in Envoy's docs (management server and xDS subscription statistics, server statistics). */
  @Test
  void envoyStats_disconnected_staleAndOverBudget() throws IOException {
    Evidence e = sidecar();
    long tenMinutesAgo = NOW.minusSeconds(600).toEpochMilli();
    read(
        e,
        "cluster_manager.cds.update_rejected: 2\n"
            + "cluster_manager.cds.update_time: " + (tenMinutesAgo - 5000) + "\n"
            + "control_plane.connected_state: 0\n"
            + "listener_manager.lds.update_time: " + tenMinutesAgo + "\n"
            + "server.memory_allocated: 100000000\n"
            + "server.memory_physical_size: 150000000\n");
    MeshStatus s = status(e);
    ProxyHealth h = s.health();
    assertThat(h.controlPlaneConnected()).isEqualTo(Tristate.NO);
    assertThat(h.lastConfigUpdate()).isEqualTo(Instant.ofEpochMilli(tenMinutesAgo));
    assertThat(h.configRejected()).isEqualTo(2);
    assertThat(h.memoryBytes()).isEqualTo(150000000L); // physical size first: it is what the container is charged
    assertThat(codes(s)).contains("controlplane-disconnected", "config-rejected", "proxy-memory-over-budget");
    assertThat(s.findings()).filteredOn(f -> f.code().equals("controlplane-disconnected")).singleElement()
        .satisfies(f -> assertThat(f.message()).contains("istiod").contains("was 10 min ago"));
    assertThat(s.findings()).filteredOn(f -> f.code().equals("config-rejected")).singleElement()
        .satisfies(f -> assertThat(f.severity().name()).isEqualTo("WARN"));
  }

  /**
   * The error_state shape of envoy.admin.v3.ListenersConfigDump.DynamicListener (fields name, error_state{
   * failed_configuration, last_update_attempt, details}), as the fake's derived dump and as a ?resource= entry.
   */
  @Test
  void errorState_namesTheRejectedListenerAndWhy() throws IOException {
    Evidence e = sidecar();
    read(
        e,
        "{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener\","
            + "\"name\":\"virtualInbound\",\"error_state\":{\"failed_configuration\":{\"@type\":\"x\",\"name\":\"virtualInbound\"},"
            + "\"last_update_attempt\":\"2026-01-01T00:00:00Z\",\"details\":\"Proto constraint\\n validation failed\"}}]}");
    read(e, "listener_manager.lds.update_rejected: 1\n");
    MeshStatus s = status(e);
    assertThat(s.health().rejectedConfigs()).containsExactly("listener virtualInbound: Proto constraint validation failed");
    assertThat(s.findings()).filteredOn(f -> f.code().equals("config-rejected")).singleElement()
        .satisfies(f -> assertThat(f.severity().name()).isEqualTo("ERROR"));
  }

  @Test
  void quitNotAnswering_isAFinding_unlessNativeSidecar() {
    Evidence e = sidecar();
    e.quitAnswered = false;
    assertThat(codes(status(e))).contains("quit-unavailable");
    assertThat(status(e).health().quitAvailable()).isEqualTo(Tristate.NO);
    e.annotations.put(Derivation.ISTIO_STATUS, "{\"initContainers\":[\"istio-proxy\"],\"containers\":null}");
    assertThat(codes(status(e))).doesNotContain("quit-unavailable").contains("native-sidecar");
  }

  @Test
  void ambiguousProcessMetrics_areNotTakenForTheProxys() throws IOException {
    Evidence e = sidecar();
    read(e, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 1e9\nprocess_resident_memory_bytes 2e7\n");
    MeshStatus s = status(e);
    assertThat(s.health().memoryBytes()).isNull();
    assertThat(s.notes()).anyMatch(n -> n.contains("process_resident_memory_bytes"));
  }

  static Evidence sidecar() {
    Evidence e = new Evidence();
    e.nodeId = "sidecar~10.0.0.1~app.default~default.svc.cluster.local";
    e.role = Evidence.EnvoyRole.SIDECAR;
    e.envoyPayload = true;
    return e;
  }
}
