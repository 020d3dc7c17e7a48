package io.meshprobe.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.testkit.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code analyze} end to end on the recorded payloads, and the CLI's usage errors and exit codes. */
class MeshProbeCliAnalyzeTest {
  @TempDir Path dir;

  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(String... args) {
    return run(MeshProbe.builder().mesh(MeshType.NONE), args);
  }

  int run(MeshProbe.Builder probe, String... args) {
    return new MeshProbeCli(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), probe::build)
        .run(args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  Path fixture(String name) throws IOException {
    Path p = dir.resolve(name.replace('/', '_'));
    Files.write(p, Fixtures.bytes(name));
    return p;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> obj(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  static final Set<String> MODES = Set.of("STRICT", "PERMISSIVE", "DISABLE", "UNKNOWN");
  static final Set<String> PROTOCOLS = Set.of("HTTP", "TCP", "AUTO", "OPAQUE", "UNKNOWN");

  /** The documented schema: every key present, values from the documented enums, underivable fields null. */
  static void assertSchema(Map<String, Object> j) {
    assertThat(j.get("schema")).isEqualTo("meshprobe.status/v1");
    assertThat(obj(j.get("proxy"))).containsKeys("kind", "mesh", "version", "nativeSidecar");
    assertThat(j).containsKeys("identity", "certificate", "mtls", "ports", "findings", "notes", "takenAt", "files");
    assertThat(obj(j.get("certificate"))).containsKeys("notBefore", "notAfter", "source");
    assertThat(MODES).contains((String) obj(j.get("mtls")).get("mode"));
    // Additive under v1 (issue 19): the configured mode, plaintext counts and clients, "ready for STRICT".
    assertThat(obj(j.get("mtls"))).containsKeys("observedShare", "configuredMode", "plaintext", "plaintextPeers", "strictReady");
    assertThat(MODES).contains((String) obj(j.get("mtls")).get("configuredMode"));
    assertThat(obj(obj(j.get("mtls")).get("plaintext"))).containsKeys("count", "recent", "since");
    assertThat(obj(obj(j.get("mtls")).get("strictReady"))).containsKeys("ready", "reasons");
    for (Object p : list(obj(j.get("mtls")).get("plaintextPeers"))) {
      assertThat(obj(p)).containsKeys("port", "workload", "namespace", "principal", "count", "recent");
    }
    for (Object p : list(j.get("ports"))) {
      assertThat(obj(p)).containsKeys("port", "protocol", "mtls", "intercepted", "observedMtlsShare");
      assertThat(PROTOCOLS).contains((String) obj(p).get("protocol"));
      assertThat(MODES).contains((String) obj(p).get("mtls"));
    }
    for (Object f : list(j.get("findings"))) {
      assertThat(obj(f)).containsKeys("code", "severity", "message");
      assertThat(Set.of("INFO", "WARN", "ERROR")).contains((String) obj(f).get("severity"));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "istio/sidecar-1.1-productpage-strict-http.config_dump.json",
        "istio/sidecar-1.2-ratings-permissive-http.config_dump.json",
        "istio/sidecar-1.3-productpage-permissive-http.config_dump.json",
        "istio/sidecar-1.4-productpage-strict-http.config_dump.json",
        "istio/sidecar-1.4-productpage-strict-http.original-v2alpha.config_dump.json",
        "istio/sidecar-2019dev-echo-permissive-http-and-tcp-ports.config_dump.json",
        "istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json",
        "istio/gateway-1.3-ingressgateway.config_dump.json",
        "istio/waypoint-1.21-httpbin.config_dump.json",
        "istio/secrets-istio-ca.config_dump.json",
        "istio/secrets-spire.config_dump.json",
        "istio/bootstrap-minimal.config_dump.json",
        "istio/ztunnel.config_dump.json",
        "istio/ztunnel-connections.config_dump.json",
        "istio/ztunnel-kiali.config_dump.json",
        "envoy/server_info.docs-example.json",
        "envoy/ready.docs-example.txt",
        "envoy/stats-readiness-filter-live.istio-test.txt",
        "linkerd/proxy-metrics-2022-sample.prom.txt",
        "linkerd/proxy-metrics-2021-authz-inbound.prom.txt",
        "other/appmesh-envoy-certs-spire-svid.json",
        "other/appmesh-envoy-certs-empty.json"
      })
  void analyzeJson_everyFixture_givesTheDocumentedSchema(String name) throws IOException {
    int code = run("analyze", "--json", fixture(name).toString());
    Map<String, Object> j = JsonTree.parse(out());
    assertSchema(j);
    boolean errors = list(j.get("findings")).stream().anyMatch(f -> "ERROR".equals(obj(f).get("severity")));
    assertThat(code).isEqualTo(errors ? MeshProbeCli.ERRORS : MeshProbeCli.OK);
  }

  /** 1.3 dump: 9080 HTTP PERMISSIVE (istio ALPN + tls_context chain and a plaintext chain), Istio 1.3.0-rc.2. */
  @Test
  void analyzeJson_istio13_values() throws IOException {
    assertThat(run("analyze", "--json", fixture("istio/sidecar-1.3-productpage-permissive-http.config_dump.json").toString()))
        .isEqualTo(MeshProbeCli.OK);
    Map<String, Object> j = JsonTree.parse(out());
    assertThat(obj(j.get("proxy")).get("kind")).isEqualTo("envoy");
    assertThat(obj(j.get("proxy")).get("version")).isEqualTo("1.3.0-rc.2");
    assertThat(obj(j.get("proxy")).get("nativeSidecar")).isEqualTo(false);
    assertThat(j.get("identity")).isNull();
    assertThat(obj(j.get("certificate")).get("notAfter")).isNull();
    assertThat(obj(j.get("mtls")).get("mode")).isEqualTo("PERMISSIVE");
    assertThat(list(j.get("ports"))).hasSize(1);
    Map<String, Object> port = obj(list(j.get("ports")).get(0));
    assertThat(port.get("port")).isEqualTo(9080L);
    assertThat(port.get("protocol")).isEqualTo("HTTP");
    assertThat(port.get("mtls")).isEqualTo("PERMISSIVE");
    assertThat(port.get("intercepted")).isEqualTo(true);
    assertThat(obj(list(j.get("findings")).get(0)).get("code")).isEqualTo("mtls-permissive");
    assertThat(obj(j.get("files")).values()).containsExactly("config_dump");
  }

  /** Two files of one pod: the ports of the 1.3 dump and the certificate of the secrets dump, RFC 3339. */
  @Test
  void analyze_combinesFiles() throws IOException {
    int code =
        run(
            "analyze",
            "--json",
            fixture("istio/sidecar-1.3-productpage-permissive-http.config_dump.json").toString(),
            fixture("istio/secrets-istio-ca.config_dump.json").toString());
    Map<String, Object> j = JsonTree.parse(out());
    assertThat(j.get("identity")).isEqualTo("spiffe://cluster.local/ns/ambient/sa/namespace-istio-waypoint");
    assertThat(obj(j.get("certificate")).get("notAfter")).isEqualTo("2023-05-16T01:32:52Z");
    assertThat(list(j.get("ports"))).hasSize(1);
    assertThat(code).isEqualTo(MeshProbeCli.ERRORS); // the 2023 certificate has expired
    assertThat(obj(j.get("files")).values()).containsExactly("config_dump", "config_dump");
  }

  @Test
  void analyze_humanTable() throws IOException {
    run("analyze", "--ports", "80,90,3333", fixture("istio/sidecar-2019dev-echo-permissive-http-and-tcp-ports.config_dump.json").toString());
    assertThat(out())
        .contains("PORT", "PROTOCOL", "MTLS", "INTERCEPTED")
        .containsPattern("80\\s+HTTP\\s+PERMISSIVE")
        .containsPattern("90\\s+TCP\\s+PERMISSIVE\\s+unknown")
        .containsPattern("3333\\s+TCP\\s+DISABLE")
        .contains("port-raw-tcp", "port-mtls-disabled", "mtls-permissive");
  }

  @Test
  void usageErrors_exit2() throws IOException {
    List<Integer> codes = new ArrayList<>();
    codes.add(run());
    codes.add(run("analyze"));
    codes.add(run("analyze", dir.resolve("missing.json").toString()));
    codes.add(run("frobnicate"));
    codes.add(run("wait", "--timeout", "soon"));
    codes.add(run("doctor", "--bogus"));
    codes.add(run("quit", "extra-arg"));
    assertThat(codes).containsOnly(MeshProbeCli.USAGE);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage:", "missing.json", "unknown command 'frobnicate'");
    assertThat(run("--help")).isEqualTo(MeshProbeCli.OK);
  }

  /** Without a mesh: doctor reports the no-sidecar finding with its four causes; wait and quit are no-ops that succeed. */
  @Test
  void noMesh_doctorWaitQuit() throws IOException {
    assertThat(run("doctor", "--json")).isEqualTo(MeshProbeCli.OK);
    Map<String, Object> j = JsonTree.parse(out());
    assertThat(obj(j.get("proxy")).get("kind")).isEqualTo("none");
    assertThat(obj(j.get("ready")).get("outcome")).isEqualTo("NO_PROXY");
    Map<String, Object> finding = obj(list(j.get("findings")).get(0));
    assertThat(finding.get("code")).isEqualTo("no-sidecar");
    assertThat((String) finding.get("message")).contains("namespace", "inject", "older than the injection", "webhook");
    assertThat(run("wait", "--timeout", "1s")).isEqualTo(MeshProbeCli.OK);
    assertThat(run("quit")).isEqualTo(MeshProbeCli.OK);
  }
}
