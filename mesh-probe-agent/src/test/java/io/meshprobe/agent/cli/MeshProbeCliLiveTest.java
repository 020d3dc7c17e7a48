package io.meshprobe.agent.cli;

import static io.meshprobe.agent.cli.MeshProbeCliAnalyzeTest.list;
import static io.meshprobe.agent.cli.MeshProbeCliAnalyzeTest.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code doctor}, {@code wait} and {@code quit} end to end against the fake sidecar (a real HTTP server serving the
 * recorded payloads), Istio and Linkerd personalities.
 */
class MeshProbeCliLiveTest {
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();
  FakeSidecar sidecar;

  @AfterEach
  void stop() {
    if (sidecar != null) {
      sidecar.close();
    }
  }

  FakeSidecar start(FakeSidecar.Builder b) {
    sidecar = b.freePorts().log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).start();
    return sidecar;
  }

  MeshProbe.Builder istio() {
    return MeshProbe.builder()
        .mesh(MeshType.ISTIO_SIDECAR)
        .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
        .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
        .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
        .waitInterval(Duration.ofMillis(5));
  }

  MeshProbe.Builder linkerd() {
    return MeshProbe.builder().mesh(MeshType.LINKERD).linkerdAdminUrl(sidecar.url(SidecarPort.LINKERD_ADMIN)).waitInterval(Duration.ofMillis(5));
  }

  int run(MeshProbe.Builder probe, String... args) {
    out.reset();
    return new MeshProbeCli(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), probe::build)
        .run(args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  List<String> lines() {
    return out().lines().collect(Collectors.toList());
  }

  /**
   * The fake's Istio default: the 1.3 productpage dump (virtualInbound port 9080 with an "istio" ALPN mTLS chain and
   * a plaintext chain, both HCM = HTTP PERMISSIVE; bootstrap excludeInboundPorts "15020" and includeInboundPorts
   * "9080" = intercepted; ISTIO_VERSION 1.3.0-rc.2), and the App Mesh SPIRE /certs (SVID valid
   * 2020-11-22T05:18:29Z..06:18:39Z, long expired).
   */
  @Test
  void doctor_istio_humanTable() {
    start(FakeSidecar.istio());
    int code = run(istio(), "doctor", "--timeout", "5s");

    assertThat(code).as(out()).isEqualTo(MeshProbeCli.ERRORS); // cert-expired is an ERROR finding
    assertThat(lines()).contains("mesh-probe doctor");
    assertThat(out())
        .containsPattern("(?m)^detected +istio")
        .containsPattern("(?m)^ready +.*ready")
        .containsPattern("(?m)^proxy +envoy \\(istio 1\\.3\\.0-rc\\.2\\), native sidecar: no$")
        .containsPattern("(?m)^identity +spiffe://howto-k8s-mtls-sds-based\\.aws/colorgreen$")
        .containsPattern("(?m)^cert +valid 2020-11-22T05:18:29Z to 2020-11-22T06:18:39Z \\(EXPIRED\\), from /certs$")
        .containsPattern("(?m)^mtls +PERMISSIVE$")
        .containsPattern("(?m)^ +PORT +PROTOCOL +MTLS +INTERCEPTED +OBSERVED MTLS$")
        .containsPattern("(?m)^ +9080 +HTTP +PERMISSIVE +yes +-$")
        .containsPattern("(?m)^ +WARN +mtls-permissive +Inbound mTLS is PERMISSIVE")
        .containsPattern("(?m)^ +ERROR +cert-expired +The workload certificate expired at 2020-11-22T06:18:39Z");
  }

  @Test
  void doctor_istio_json() throws Exception {
    start(FakeSidecar.istio());
    int code = run(istio(), "doctor", "--json", "--timeout", "5s");

    assertThat(code).isEqualTo(MeshProbeCli.ERRORS);
    Map<String, Object> j = JsonTree.parse(out());
    assertThat(j.get("schema")).isEqualTo("meshprobe.status/v1");
    assertThat(obj(j.get("proxy"))).containsEntry("kind", "envoy").containsEntry("mesh", "istio").containsEntry("version", "1.3.0-rc.2");
    assertThat(j.get("identity")).isEqualTo("spiffe://howto-k8s-mtls-sds-based.aws/colorgreen");
    assertThat(obj(j.get("certificate"))).containsEntry("notAfter", "2020-11-22T06:18:39Z").containsEntry("source", "/certs");
    assertThat(obj(j.get("mtls"))).containsEntry("mode", "PERMISSIVE");
    assertThat(list(j.get("ports"))).hasSize(1);
    assertThat(obj(list(j.get("ports")).get(0))).containsEntry("protocol", "HTTP").containsEntry("mtls", "PERMISSIVE").containsEntry("intercepted", true);
    assertThat(((Number) obj(list(j.get("ports")).get(0)).get("port")).intValue()).isEqualTo(9080);
    assertThat(list(j.get("findings"))).extracting(f -> obj(f).get("code")).contains("mtls-permissive", "cert-expired");
    assertThat(obj(j.get("ready"))).containsEntry("outcome", "READY");
  }

  /**
   * Linkerd: the 2022 metrics sample (identity_cert_expiration_timestamp_seconds 1651053545 = 2022-04-27T09:59:05Z,
   * long past) and the fake's synthetic /env.json (identity default.default…, policy all-unauthenticated = PERMISSIVE,
   * inbound ports 8080, shutdown endpoint disabled).
   */
  @Test
  void doctor_linkerd_humanTable_andShutdownFinding() {
    start(FakeSidecar.linkerd());
    int code = run(linkerd(), "doctor", "--timeout", "5s");

    assertThat(code).as(out()).isEqualTo(MeshProbeCli.ERRORS);
    assertThat(out())
        .containsPattern("(?m)^detected +linkerd")
        .containsPattern("(?m)^proxy +linkerd2-proxy \\(linkerd")
        .containsPattern("(?m)^identity +default\\.default\\.serviceaccount\\.identity\\.linkerd\\.cluster\\.local$")
        .containsPattern("(?m)^mtls +PERMISSIVE")
        .containsPattern("(?m)^ +8080 +AUTO +PERMISSIVE ")
        .containsPattern("(?m)^ +WARN +linkerd-shutdown-disabled +Linkerd's /shutdown endpoint is disabled.*config\\.linkerd\\.io/proxy-admin-shutdown: enabled")
        .containsPattern("(?m)^ +WARN +mtls-permissive ");
  }

  @Test
  void doctor_linkerd_json_shutdownEnabled_hasNoShutdownFinding() throws Exception {
    start(FakeSidecar.linkerd().shutdownEnabled(true));
    run(linkerd(), "doctor", "--json", "--timeout", "5s");

    Map<String, Object> j = JsonTree.parse(out());
    assertThat(obj(j.get("proxy"))).containsEntry("kind", "linkerd2-proxy").containsEntry("mesh", "linkerd");
    assertThat(j.get("identity")).isEqualTo("default.default.serviceaccount.identity.linkerd.cluster.local");
    assertThat(obj(j.get("mtls"))).containsEntry("mode", "PERMISSIVE");
    assertThat(list(j.get("findings"))).extracting(f -> obj(f).get("code")).doesNotContain("linkerd-shutdown-disabled").contains("mtls-permissive");
  }

  @Test
  void wait_ready_exits0() {
    start(FakeSidecar.istio().readyAfter(Duration.ofMillis(200)));
    assertThat(run(istio(), "wait", "--timeout", "5s")).as(out()).isEqualTo(MeshProbeCli.OK);
    assertThat(sidecar.isReady()).isTrue();
  }

  @Test
  void wait_neverReady_exits3() {
    start(FakeSidecar.istio().readyManually());
    assertThat(run(istio(), "wait", "--timeout", "300ms")).isEqualTo(MeshProbeCli.NOT_READY);
    assertThat(out()).contains("mesh-probe: ");
  }

  @Test
  void wait_longerThanASecond_showsProgressOnStderr() {
    start(FakeSidecar.istio().readyManually());
    assertThat(run(istio(), "wait", "--timeout", "1300ms")).isEqualTo(MeshProbeCli.NOT_READY);
    assertThat(new String(err.toByteArray(), StandardCharsets.UTF_8))
        .contains("mesh-probe: waiting for the istio proxy: 1s (last: HTTP 503)");
  }

  @Test
  void doctor_notReady_exits3() {
    start(FakeSidecar.linkerd().readyManually());
    assertThat(run(linkerd(), "doctor", "--timeout", "300ms")).isEqualTo(MeshProbeCli.NOT_READY);
  }

  @Test
  void quit_istio_stopsTheSidecar() throws Exception {
    start(FakeSidecar.istio());
    assertThat(run(istio(), "quit")).as(out()).isEqualTo(MeshProbeCli.OK);
    assertThat(sidecar.awaitRequest("POST", "/quitquitquit", Duration.ofSeconds(5))).isNotNull();
    assertThat(sidecar.awaitStopped(Duration.ofSeconds(5))).isTrue();
    assertThat(out()).startsWith("mesh-probe: quit success");
  }

  @Test
  void quit_linkerd_shutdownEnabled_stopsTheSidecar() throws Exception {
    start(FakeSidecar.linkerd().shutdownEnabled(true));
    assertThat(run(linkerd(), "quit")).as(out()).isEqualTo(MeshProbeCli.OK);
    assertThat(sidecar.awaitStopped(Duration.ofSeconds(5))).isTrue();
  }

  @Test
  void quit_linkerd_shutdownDisabled_exits1_withTheHint() throws Exception {
    start(FakeSidecar.linkerd());
    assertThat(run(linkerd(), "quit")).isEqualTo(MeshProbeCli.ERRORS);
    assertThat(out()).startsWith("mesh-probe: quit endpoint_disabled").contains("config.linkerd.io/proxy-admin-shutdown: enabled");
    assertThat(sidecar.isStopped()).isFalse();
  }

  // ---------------------------------------------------------------- proxy health (issue 9)

  /** Healthy fake Istio: connected, nothing rejected, 30 MiB Envoy memory (synthetic stats), status port answers. */
  @Test
  void doctor_istio_healthLines() {
    start(FakeSidecar.istio());
    run(istio(), "doctor", "--timeout", "5s");
    assertThat(out())
        .containsPattern("(?m)^control +connected, last config update \\S+Z \\(\\d+m ago\\), 0 rejected$")
        .containsPattern("(?m)^resources +memory 30\\.0 MiB$")
        .containsPattern("(?m)^quit +available$")
        .doesNotContain("controlplane-disconnected", "config-rejected", "proxy-memory-over-budget", "quit-unavailable");
  }

  @Test
  void doctor_istio_disconnected_rejected_overBudget() throws Exception {
    start(FakeSidecar.istio().controlPlaneConnected(false).rejectedListener(true).proxyMemory(200L << 20));
    int code = run(istio(), "doctor", "--timeout", "5s");

    assertThat(code).isEqualTo(MeshProbeCli.ERRORS);
    assertThat(out())
        .containsPattern("(?m)^control +DISCONNECTED, last config update .*, 1 rejected$")
        .containsPattern("(?m)^rejected +listener 0\\.0\\.0\\.0_8443: Didn't find a registered implementation for 'envoy\\.filters\\.http\\.lua_typo'")
        .containsPattern("(?m)^resources +memory 200\\.0 MiB$")
        .containsPattern("(?m)^ +WARN +controlplane-disconnected +The proxy is disconnected from istiod; its last accepted config update was .* ago: it runs on its last-known config")
        .containsPattern("(?m)^ +ERROR +config-rejected +The proxy rejected its config \\(listener 0\\.0\\.0\\.0_8443: ")
        .containsPattern("(?m)^ +WARN +proxy-memory-over-budget +The proxy uses 200\\.0 MiB of memory, over the budget of 128\\.0 MiB");
    // Envoy's stats are asked for the way pilot-agent asks: usedonly and an RE2 filter.
    assertThat(sidecar.requests()).anyMatch(r -> r.path().equals("/stats") && r.query().startsWith("usedonly&filter="));

    run(istio(), "doctor", "--json", "--timeout", "5s");
    Map<String, Object> h = obj(JsonTree.parse(out()).get("health"));
    assertThat(h).containsEntry("controlPlaneConnected", false).containsEntry("quitAvailable", true);
    assertThat(((Number) h.get("configRejected")).longValue()).isEqualTo(1);
    assertThat(((Number) h.get("memoryBytes")).longValue()).isEqualTo(200L << 20);
    assertThat(list(h.get("rejectedConfigs"))).singleElement().asString().startsWith("listener 0.0.0.0_8443: ");
    assertThat(h.get("lastConfigUpdate")).isNotNull();
  }

  /** Linkerd: the recorded process_* series (RSS 17805312 B = 17.0 MiB, CPU 0.07 s) and the shutdown endpoint state. */
  @Test
  void doctor_linkerd_healthLines() throws Exception {
    start(FakeSidecar.linkerd());
    run(linkerd(), "doctor", "--timeout", "5s");
    assertThat(out())
        .containsPattern("(?m)^resources +memory 17\\.0 MiB, cpu 0\\.07 s$")
        .containsPattern("(?m)^quit +UNAVAILABLE \\(a Job would hang at its end\\)$")
        .doesNotContainPattern("(?m)^control ");

    run(linkerd(), "doctor", "--json", "--timeout", "5s");
    Map<String, Object> h = obj(JsonTree.parse(out()).get("health"));
    assertThat(h).containsEntry("controlPlaneConnected", null).containsEntry("configRejected", null).containsEntry("quitAvailable", false);
    assertThat(((Number) h.get("memoryBytes")).longValue()).isEqualTo(17805312L);
    assertThat(((Number) h.get("cpuSeconds")).doubleValue()).isEqualTo(0.07);
  }

  @Test
  void doctor_linkerd_overBudget() {
    start(FakeSidecar.linkerd().shutdownEnabled(true).proxyMemory(300L << 20));
    run(linkerd(), "doctor", "--timeout", "5s");
    assertThat(out())
        .containsPattern("(?m)^quit +available$")
        .containsPattern("(?m)^ +WARN +proxy-memory-over-budget +The proxy uses 300\\.0 MiB .*config\\.linkerd\\.io/proxy-memory-request");
  }
}
