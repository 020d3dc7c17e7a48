package io.meshprobe.agent.cli;

import static io.meshprobe.agent.cli.MeshProbeCliAnalyzeTest.list;
import static io.meshprobe.agent.cli.MeshProbeCliAnalyzeTest.obj;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.Fixtures;
import io.meshprobe.testkit.SidecarPort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Ready for STRICT?" end to end: plaintext seen in the proxy's own counters beats an unknown configuration, the
 * plaintext clients are named where the counters name them, and {@code --strict-check} answers in the exit code.
 *
 * <p>Payloads: the recorded Linkerd 2021 scrape ({@code linkerd/proxy-metrics-2021-authz-inbound.prom.txt}:
 * {@code inbound_http_authz_allow_total} with {@code tls="no_identity",no_tls_reason="no_tls_from_remote"} 7 on
 * target_port 8080 and 1 on 8090, {@code tls="true"} 3147 on 8090, 1319 plaintext on the admin port 4191 which is not
 * app traffic), and the Istio destination-side series rendered from istio/proxy's test data
 * ({@code istio-destination-stats.rendered.prom.txt} next to this class: 10 {@code istio_requests_total} with
 * {@code connection_security_policy="none"} from {@code source_workload="productpage-v1"} in {@code default}, and 10
 * {@code istio_tcp_connections_opened_total} with {@code mutual_tls} from the same client). No recorded Istio scrape
 * exists; that file says where each line comes from.
 */
class MeshProbeCliStrictTest {
  static final String LINKERD_2021 = "linkerd/proxy-metrics-2021-authz-inbound.prom.txt";

  @TempDir Path dir;

  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  int run(MeshProbe.Builder probe, String... args) {
    out.reset();
    return new MeshProbeCli(
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), probe::build)
        .run(args);
  }

  int run(String... args) {
    return run(MeshProbe.builder().mesh(MeshType.NONE), args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  Path write(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  static byte[] istioStats() throws IOException {
    try (InputStream in = MeshProbeCliStrictTest.class.getResourceAsStream("istio-destination-stats.rendered.prom.txt")) {
      return in.readAllBytes();
    }
  }

  static Map<String, Object> mtls(Map<String, Object> j) {
    return obj(j.get("mtls"));
  }

  static Map<String, Object> finding(Map<String, Object> j, String code) {
    for (Object f : list(j.get("findings"))) {
      if (code.equals(obj(f).get("code"))) {
        return obj(f);
      }
    }
    throw new AssertionError("no finding " + code + " in " + j.get("findings"));
  }

  /**
   * The recorded 2021 scrape as it is: its policy labels (srv_name="default:all-unauthenticated") say PERMISSIVE,
   * and the counters agree: 8 plaintext requests on app ports (7 on 8080, 1 on 8090) of 3155 (4191 excluded), so
   * mtls-plaintext-observed with the share, and the ports as the plaintext "clients" (Linkerd names none).
   */
  @Test
  void analyzeJson_linkerd2021_plaintextObservedWithShareAndPorts() throws IOException {
    int code = run("analyze", "--json", write("l.prom", Fixtures.bytes(LINKERD_2021)).toString());
    Map<String, Object> j = JsonTree.parse(out());
    MeshProbeCliAnalyzeTest.assertSchema(j);
    assertThat(code).isEqualTo(MeshProbeCli.OK); // WARN findings only
    assertThat(mtls(j).get("mode")).isEqualTo("PERMISSIVE");
    assertThat(mtls(j).get("configuredMode")).isEqualTo("PERMISSIVE");
    assertThat(obj(mtls(j).get("plaintext"))).containsEntry("count", 8L).containsEntry("recent", null).containsEntry("since", null);
    Map<String, Object> f = finding(j, "mtls-plaintext-observed");
    assertThat(f.get("severity")).isEqualTo("WARN");
    assertThat((String) f.get("message")).contains("8 plaintext inbound requests", "0.3% of 3155", "unidentified clients on port 8080 (7)");
    List<Object> peers = list(mtls(j).get("plaintextPeers"));
    assertThat(peers).hasSize(2);
    assertThat(obj(peers.get(0))).containsEntry("port", 8080L).containsEntry("workload", null).containsEntry("count", 7L);
    assertThat(obj(peers.get(1))).containsEntry("port", 8090L).containsEntry("count", 1L);
    assertThat(obj(mtls(j).get("strictReady")).get("ready")).isEqualTo(false);

    assertThat(run("analyze", "--strict-check", dir.resolve("l.prom").toString())).isEqualTo(MeshProbeCli.NOT_STRICT_READY);
    assertThat(out()).containsPattern("(?m)^strict +ready for STRICT: no, because 8 plaintext requests since the proxy started");
  }

  /**
   * The same scrape without its policy labels (srv_kind, srv_name, saz_name, authz_kind, authz_name removed here):
   * what a proxy writes that has no policy controller behind it, with no /env.json either. Without the counters the
   * mode would be UNKNOWN; the plaintext accepted on 8080 and 8090 makes the workload and both ports PERMISSIVE.
   */
  @Test
  void analyzeJson_linkerdWithoutPolicyInformation_evidenceMakesItPermissive() throws IOException {
    String stripped = Fixtures.text(LINKERD_2021).replaceAll("(srv_kind|srv_name|saz_name|authz_kind|authz_name)=\"[^\"]*\",?", "");
    assertThat(stripped).contains("tls=\"no_identity\"").doesNotContain("srv_name");
    int code = run("analyze", "--json", write("nopolicy.prom", stripped.getBytes(StandardCharsets.UTF_8)).toString());
    Map<String, Object> j = JsonTree.parse(out());
    assertThat(code).isEqualTo(MeshProbeCli.OK);
    assertThat(mtls(j).get("configuredMode")).isEqualTo("UNKNOWN");
    assertThat(mtls(j).get("mode")).isEqualTo("PERMISSIVE");
    for (Object p : list(j.get("ports"))) {
      assertThat(obj(p).get("mtls")).as(p.toString()).isEqualTo("PERMISSIVE");
    }
    assertThat((String) finding(j, "mtls-plaintext-observed").get("message")).contains("0.3% of 3155");
    assertThat(finding(j, "mtls-permissive").get("severity")).isEqualTo("WARN");
  }

  /**
   * Istio destination-side series: 10 plaintext requests from default/productpage-v1 and 10 mTLS TCP connections
   * from it. The stats alone say an Istio sidecar (only a sidecar reports as the destination); with no listeners
   * read the configured mode is unknown, and the plaintext makes it PERMISSIVE. The client is named, and the workload
   * is not ready for STRICT.
   */
  @Test
  void analyze_istioStats_namesThePlaintextClient_notReadyForStrict() throws IOException {
    Path stats = write("istio.prom", istioStats());
    int code = run("analyze", "--json", "--strict-check", stats.toString());
    Map<String, Object> j = JsonTree.parse(out());
    MeshProbeCliAnalyzeTest.assertSchema(j);
    assertThat(code).isEqualTo(MeshProbeCli.NOT_STRICT_READY);
    assertThat(obj(j.get("files")).values()).containsExactly("istio metrics");
    assertThat(obj(j.get("proxy"))).containsEntry("kind", "envoy").containsEntry("mesh", "istio");
    assertThat(mtls(j).get("mode")).isEqualTo("PERMISSIVE");
    assertThat(mtls(j).get("observedShare")).isEqualTo(0.5);
    List<Object> peers = list(mtls(j).get("plaintextPeers"));
    assertThat(peers).hasSize(1);
    assertThat(obj(peers.get(0)))
        .containsEntry("port", null)
        .containsEntry("workload", "productpage-v1")
        .containsEntry("namespace", "default")
        .containsEntry("principal", null) // source_principal="unknown": plaintext carries no certificate
        .containsEntry("count", 10L);
    Map<String, Object> ready = obj(mtls(j).get("strictReady"));
    assertThat(ready.get("ready")).isEqualTo(false);
    assertThat(list(ready.get("reasons"))).anySatisfy(r -> assertThat((String) r).contains("default/productpage-v1 (10)"));

    assertThat(run("analyze", stats.toString())).isEqualTo(MeshProbeCli.OK);
    assertThat(out())
        .containsPattern("(?m)^mtls +PERMISSIVE \\(observed mTLS share 50\\.0%\\), configured UNKNOWN$")
        .containsPattern("(?m)^plaintext +10 since the proxy started$")
        .containsPattern("(?m)^client +default/productpage-v1: 10 plaintext$")
        .containsPattern("(?m)^strict +ready for STRICT: no, because .*default/productpage-v1 \\(10\\)");
  }

  /**
   * Live: the fake Istio sidecar (1.3 productpage dump: 9080 HTTP PERMISSIVE) serving the rendered destination-side
   * series on /stats/prometheus. doctor names default/productpage-v1 as a plaintext client and says the workload is
   * not ready for STRICT; --strict-check exits 4, before the ERROR of the fake's long-expired certificate.
   */
  @Test
  void doctor_istioLive_namesThePlaintextClient() throws IOException {
    String stats = new String(istioStats(), StandardCharsets.UTF_8);
    try (FakeSidecar sidecar =
        FakeSidecar.istio()
            .freePorts()
            .fault("/stats/prometheus", Fault.status(200, stats))
            .log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
            .start()) {
      MeshProbe.Builder probe =
          MeshProbe.builder()
              .mesh(MeshType.ISTIO_SIDECAR)
              .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
              .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
              .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
              .waitInterval(Duration.ofMillis(5));
      int code = run(probe, "doctor", "--strict-check", "--timeout", "5s");
      assertThat(code).as(out()).isEqualTo(MeshProbeCli.NOT_STRICT_READY);
      assertThat(out())
          .containsPattern("(?m)^mtls +PERMISSIVE \\(observed mTLS share 50\\.0%\\)$")
          // pilot-agent's :15020 serves the same series (merged metrics): counted once, not twice.
          .containsPattern("(?m)^plaintext +10 since the proxy started$")
          .containsPattern("(?m)^client +default/productpage-v1: 10 plaintext$")
          .containsPattern("(?m)^strict +ready for STRICT: no, because ")
          .contains("mtls-plaintext-observed");

      run(probe, "doctor", "--json", "--timeout", "5s");
      Map<String, Object> j = JsonTree.parse(out());
      assertThat(obj(list(mtls(j).get("plaintextPeers")).get(0))).containsEntry("workload", "productpage-v1");
      assertThat(obj(mtls(j).get("strictReady")).get("ready")).isEqualTo(false);
    }
  }

  @Test
  void strictCheck_isRejectedByWaitAndQuit() {
    assertThat(run("wait", "--strict-check")).isEqualTo(MeshProbeCli.USAGE);
    assertThat(run("quit", "--strict-check")).isEqualTo(MeshProbeCli.USAGE);
  }
}
