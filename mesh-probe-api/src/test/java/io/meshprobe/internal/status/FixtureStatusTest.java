package io.meshprobe.internal.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Results;
import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.Severity;
import io.meshprobe.status.Tristate;
import io.meshprobe.testkit.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every recorded payload in the fixtures folder, with the answers derived by reading it (jq over the file; the
 * derivation is in each test's comment). The clock is fixed so certificate findings do not depend on the day.
 */
class FixtureStatusTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  static Evidence read(String... fixtures) throws IOException {
    Evidence e = new Evidence();
    for (String f : fixtures) {
      try (InputStream in = Fixtures.open(f)) {
        Payloads.read(in, e);
      }
    }
    return e;
  }

  static MeshStatus status(String... fixtures) throws IOException {
    return Derivation.derive(read(fixtures), null, Derivation.AppPorts.none(), NOW);
  }

  static List<String> codes(MeshStatus s) {
    return s.findings().stream().map(Finding::code).collect(Collectors.toList());
  }

  static PortStatus row(int port, PortProtocol protocol, MtlsMode mtls, Tristate intercepted) {
    return Results.portStatus(port, protocol, mtls, intercepted, null);
  }

  /**
   * Istio 1.1, pre-virtualInbound: node id sidecar~10.52.2.21~…, inbound is listener 10.52.2.21_9080 with one chain:
   * tls_context + require_client_certificate, envoy.http_connection_manager → 9080 HTTP STRICT. 10.52.2.21_15020 is
   * Istio's own port. No include/exclude annotations → intercepted unknown. No secrets → no identity.
   */
  @Test
  void istio11_perIpListener_9080HttpStrict() throws IOException {
    MeshStatus s = status("istio/sidecar-1.1-productpage-strict-http.config_dump.json");
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.ENVOY);
    assertThat(s.proxy().mesh()).isEqualTo("istio");
    assertThat(s.proxy().version()).isEqualTo("1.1.1");
    assertThat(s.proxy().nativeSidecar()).isEqualTo(Tristate.UNKNOWN);
    assertThat(s.ports()).containsExactly(row(9080, PortProtocol.HTTP, MtlsMode.STRICT, Tristate.UNKNOWN));
    assertThat(s.mtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(s.identity()).isNull();
    assertThat(s.findings()).isEmpty();
  }

  /**
   * Istio 1.2: listener 172.30.144.156_9080 has an ALPN ["istio"] chain with tls_context (require_client_certificate)
   * and an empty-match plaintext chain, both HCM → 9080 HTTP PERMISSIVE.
   */
  @Test
  void istio12_perIpListener_9080HttpPermissive() throws IOException {
    MeshStatus s = status("istio/sidecar-1.2-ratings-permissive-http.config_dump.json");
    assertThat(s.proxy().version()).isEqualTo("release-1.2-20190709-09-16");
    assertThat(s.ports()).containsExactly(row(9080, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN));
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(codes(s)).containsExactly("mtls-permissive");
  }

  /**
   * Istio 1.3: virtualInbound has, for destination_port 9080, an ALPN istio + tls_context chain and a plaintext
   * chain, both HCM → HTTP PERMISSIVE. Metadata includeInboundPorts "9080", excludeInboundPorts "15020" → 9080
   * intercepted. sidecar.istio.io/status initContainers [istio-init, enable-core-dump] → not a native sidecar.
   */
  @Test
  void istio13_virtualInbound_9080HttpPermissive_intercepted() throws IOException {
    MeshStatus s = status("istio/sidecar-1.3-productpage-permissive-http.config_dump.json");
    assertThat(s.proxy().version()).isEqualTo("1.3.0-rc.2");
    assertThat(s.proxy().nativeSidecar()).isEqualTo(Tristate.NO);
    assertThat(s.ports()).containsExactly(row(9080, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.YES));
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(codes(s)).containsExactly("mtls-permissive");
  }

  /**
   * Same 1.3 dump, port 15020 configured as an app port: it is in excludeInboundPorts → not intercepted. Port 8081
   * (no chain) takes its protocol from the 1.3 catch-all chains (tcp_proxy + HCM(ALPN http/1.x) → AUTO) but makes no
   * mTLS claim (UNKNOWN, where the plaintext passthrough once made it DISABLE); 8081 is not in includeInboundPorts
   * "9080" → not intercepted either.
   */
  @Test
  void istio13_configuredPorts_excludedAndCatchAll() throws IOException {
    Evidence e = read("istio/sidecar-1.3-productpage-permissive-http.config_dump.json");
    MeshStatus s = Derivation.derive(e, null, new Derivation.AppPorts(List.of(15020, 8081, 9080), List.of()), NOW);
    assertThat(s.ports())
        .containsExactly(
            row(8081, PortProtocol.AUTO, MtlsMode.UNKNOWN, Tristate.NO),
            row(9080, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.YES),
            row(15020, PortProtocol.TCP, MtlsMode.DISABLE, Tristate.NO));
    assertThat(codes(s)).containsExactly("port-not-intercepted", "port-not-intercepted", "mtls-permissive");
  }

  /**
   * Istio 1.4 STRICT: virtualInbound 9080 chains (IPv4 and IPv6 prefixes) both carry tls_context with
   * require_client_certificate and HCM, no plaintext chain → 9080 HTTP STRICT. The v2alpha original (envelope
   * envoy.admin.v2alpha.*, dynamic_active_listeners) must give the same answer.
   */
  @Test
  void istio14_strict_v3EnvelopeAndV2alphaAgree() throws IOException {
    for (String f :
        List.of(
            "istio/sidecar-1.4-productpage-strict-http.config_dump.json",
            "istio/sidecar-1.4-productpage-strict-http.original-v2alpha.config_dump.json")) {
      MeshStatus s = status(f);
      assertThat(s.proxy().version()).as(f).isEqualTo("1.4-alpha.945b2e081e817e63fab6c1112c55d585073b0b7a");
      assertThat(s.ports()).as(f).containsExactly(row(9080, PortProtocol.HTTP, MtlsMode.STRICT, Tristate.UNKNOWN));
      assertThat(s.mtls()).as(f).isEqualTo(MtlsMode.STRICT);
      assertThat(s.findings()).as(f).isEmpty();
    }
  }

  /**
   * 2019 echo, pre-1.3 per-IP listeners 10.40.3.59_*: 70, 80, 7070, 8080 → HCM in both the istio-ALPN tls chain and
   * the plaintext chain → HTTP PERMISSIVE; 90 (tcp) and 9090 (https) → envoy.tcp_proxy (Struct config) both chains →
   * TCP PERMISSIVE; 3333 (container port, no Service) → one plaintext tcp_proxy chain → TCP DISABLE. Workload: 6 of 7
   * ports PERMISSIVE → PERMISSIVE.
   */
  @Test
  void istio2019_httpAndTcpPortsSideBySide() throws IOException {
    MeshStatus s = status("istio/sidecar-2019dev-echo-permissive-http-and-tcp-ports.config_dump.json");
    assertThat(s.proxy().version()).isEqualTo("1.0-dev");
    assertThat(s.ports())
        .containsExactly(
            row(70, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN),
            row(80, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN),
            row(90, PortProtocol.TCP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN),
            row(3333, PortProtocol.TCP, MtlsMode.DISABLE, Tristate.UNKNOWN),
            row(7070, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN),
            row(8080, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN),
            row(9090, PortProtocol.TCP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN));
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(codes(s))
        .containsExactly("port-raw-tcp", "port-raw-tcp", "port-mtls-disabled", "port-raw-tcp", "mtls-permissive");
  }

  /**
   * 2023 (v3 listeners only, no bootstrap): virtualInbound chains 0.0.0.0_80 = tls + all Istio ALPNs +
   * transport_socket(require_client_certificate) HCM, and raw_buffer HCM → 80 HTTP PERMISSIVE. No bootstrap → version
   * unknown, still a sidecar (virtualInbound). The catch-all (2× catchall-http HCM, 3× tcp_proxy incl. TLS
   * passthrough without socket) → AUTO for a listening port with no Service (8080), with no mTLS claim (UNKNOWN).
   */
  @Test
  void istio2023_v3_port80HttpPermissive_catchAllAuto() throws IOException {
    MeshStatus s = status("istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json");
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.ENVOY);
    assertThat(s.proxy().mesh()).isEqualTo("istio");
    assertThat(s.proxy().version()).isNull();
    assertThat(s.ports()).containsExactly(row(80, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN));
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);

    Evidence e = read("istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json");
    MeshStatus listening = Derivation.derive(e, null, new Derivation.AppPorts(List.of(), List.of(8080, 15020)), NOW);
    assertThat(listening.ports()).containsExactly(row(8080, PortProtocol.AUTO, MtlsMode.UNKNOWN, Tristate.UNKNOWN));
    assertThat(listening.mtls()).isEqualTo(MtlsMode.UNKNOWN);
    assertThat(codes(listening)).containsExactly("port-sniffed");
    assertThat(listening.findings().get(0).message()).contains("8080", "appProtocol", "'web' means AUTO");
  }

  /** Ingress gateway: node id router~… → never a sidecar, no port table. */
  @Test
  void gateway_isNotASidecar() throws IOException {
    MeshStatus s = status("istio/gateway-1.3-ingressgateway.config_dump.json");
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.GATEWAY);
    assertThat(s.ports()).isEmpty();
    assertThat(s.mtls()).isEqualTo(MtlsMode.UNKNOWN);
    assertThat(codes(s)).containsExactly("not-a-sidecar");
  }

  /** Ambient waypoint: node id waypoint~… → never a sidecar. */
  @Test
  void waypoint_isNotASidecar() throws IOException {
    MeshStatus s = status("istio/waypoint-1.21-httpbin.config_dump.json");
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.WAYPOINT);
    assertThat(s.proxy().version()).isEqualTo("1.21.0-1226");
    assertThat(s.ports()).isEmpty();
    assertThat(codes(s)).containsExactly("not-a-sidecar");
  }

  /** ztunnel dumps (workloads/services/certificates[identity, certChain]; the connections array) → ambient, no sidecar. */
  @Test
  void ztunnelDumps_areAmbient() throws IOException {
    for (String f :
        List.of(
            "istio/ztunnel.config_dump.json",
            "istio/ztunnel-kiali.config_dump.json",
            "istio/ztunnel-connections.config_dump.json")) {
      Evidence e = new Evidence();
      try (InputStream in = Fixtures.open(f)) {
        assertThat(Payloads.read(in, e)).as(f).isEqualTo("ztunnel dump");
      }
      MeshStatus s = Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
      assertThat(s.proxy().kind()).as(f).isEqualTo(ProxyKind.ZTUNNEL);
      assertThat(s.identity()).as(f).isNull();
      assertThat(codes(s)).as(f).containsExactly("ambient");
    }
  }

  /**
   * Secrets dump (Istio CA): "default" inline_bytes = base64 PEM; its leaf matches istioctl's own table in
   * secrets-istio-ca.istioctl-output.txt (serial, NOT AFTER, NOT BEFORE); SAN URI read with CertificateFactory.
   */
  @Test
  void secretsIstioCa_matchesIstioctlTable() throws IOException {
    Evidence e = read("istio/secrets-istio-ca.config_dump.json");
    String table = Fixtures.text("istio/secrets-istio-ca.istioctl-output.txt");
    String defaultRow =
        table.lines().filter(l -> l.startsWith("default ")).findFirst().orElseThrow();
    String[] cols = defaultRow.trim().split("\\s+");
    // default  Cert Chain  ACTIVE  false  <serial>  <not after>  <not before>
    String serial = cols[cols.length - 3];
    Instant notAfter = Instant.parse(cols[cols.length - 2]);
    Instant notBefore = Instant.parse(cols[cols.length - 1]);
    assertThat(e.cert).isNotNull();
    assertThat(e.cert.serial).isEqualTo(serial);
    assertThat(e.cert.notAfter).isEqualTo(notAfter).isEqualTo(Instant.parse("2023-05-16T01:32:52Z"));
    assertThat(e.cert.notBefore).isEqualTo(notBefore);
    assertThat(e.cert.identity).isEqualTo("spiffe://cluster.local/ns/ambient/sa/namespace-istio-waypoint");

    MeshStatus s = Derivation.derive(e, null, Derivation.AppPorts.none(), Instant.parse("2023-05-16T00:00:00Z"));
    // 24h certificate with 1h32m left: under 20% of its life → expires soon.
    assertThat(codes(s)).contains("cert-expires-soon");
    assertThat(s.identity().notAfter()).isEqualTo(notAfter);
  }

  /** SPIRE secrets dump: the leaf of "default" is spiffe://east.local/…, valid 2024-10-27T21:44:27Z–22:44:37Z (openssl). */
  @Test
  void secretsSpire_leafCertificate() throws IOException {
    MeshStatus s = status("istio/secrets-spire.config_dump.json");
    assertThat(s.identity().name()).isEqualTo("spiffe://east.local/ns/istio-system/sa/federation-ingress-gateway-service-account");
    assertThat(s.identity().notBefore()).isEqualTo(Instant.parse("2024-10-27T21:44:27Z"));
    assertThat(s.identity().notAfter()).isEqualTo(Instant.parse("2024-10-27T22:44:37Z"));
    assertThat(codes(s)).contains("cert-expired");
    assertThat(s.findings().stream().filter(f -> f.code().equals("cert-expired")).findFirst().orElseThrow().severity())
        .isEqualTo(Severity.ERROR);
  }

  /** Minimal bootstrap in camelCase (istioctl style): ISTIO_VERSION 1.10.0; no node id, no listeners → ports unknown. */
  @Test
  void bootstrapMinimal_camelCase() throws IOException {
    Evidence e = read("istio/bootstrap-minimal.config_dump.json");
    assertThat(e.envoyVersion).isEqualTo("1.18.3");
    MeshStatus s = Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
    assertThat(s.proxy().mesh()).isEqualTo("istio");
    assertThat(s.proxy().version()).isEqualTo("1.10.0");
    assertThat(s.ports()).isEmpty();
    assertThat(s.mtls()).isEqualTo(MtlsMode.UNKNOWN);
    assertThat(s.notes()).containsExactly("no listeners were read");
  }

  /** Envoy docs /server_info: node id "node1" (not Istio), version sha/1.9.0-dev/Modified/DEBUG → generic Envoy 1.9.0-dev. */
  @Test
  void envoyServerInfo_genericEnvoy() throws IOException {
    Evidence e = new Evidence();
    try (InputStream in = Fixtures.open("envoy/server_info.docs-example.json")) {
      assertThat(Payloads.read(in, e)).isEqualTo("server_info");
    }
    MeshStatus s = Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.ENVOY);
    assertThat(s.proxy().mesh()).isEqualTo("envoy");
    assertThat(s.proxy().version()).isEqualTo("1.9.0-dev");
  }

  /**
   * App Mesh /certs: cert_chain SAN uri spiffe://howto-k8s-mtls-sds-based.aws/colorgreen, valid_from
   * 2020-11-22T05:18:29Z, expiration_time 2020-11-22T06:18:39Z (days_until_expiration "0" is ignored).
   */
  @Test
  void appMeshCerts_expirationTimeNotDays() throws IOException {
    MeshStatus s = status("other/appmesh-envoy-certs-spire-svid.json");
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.ENVOY);
    assertThat(s.identity().name()).isEqualTo("spiffe://howto-k8s-mtls-sds-based.aws/colorgreen");
    assertThat(s.identity().notBefore()).isEqualTo(Instant.parse("2020-11-22T05:18:29Z"));
    assertThat(s.identity().notAfter()).isEqualTo(Instant.parse("2020-11-22T06:18:39Z"));
    assertThat(s.identity().source()).isEqualTo("/certs");
    MeshStatus fresh = Derivation.derive(read("other/appmesh-envoy-certs-spire-svid.json"), null, Derivation.AppPorts.none(), Instant.parse("2020-11-22T05:30:00Z"));
    assertThat(codes(fresh)).doesNotContain("cert-expires-soon", "cert-expired");
  }

  /** Empty /certs ({"certificates": []}): an Envoy, no identity. */
  @Test
  void appMeshCertsEmpty_noIdentity() throws IOException {
    Evidence e = new Evidence();
    try (InputStream in = Fixtures.open("other/appmesh-envoy-certs-empty.json")) {
      assertThat(Payloads.read(in, e)).isEqualTo("certs");
    }
    MeshStatus s = Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.ENVOY);
    assertThat(s.identity()).isNull();
  }

  /**
   * Linkerd 2022 scrape: identity_cert_expiration_timestamp_seconds 1651053543 → 2022-04-27T09:59:03Z; inbound series
   * only on 4191 (the admin port, not app traffic) with srv_kind="default",srv_name="all-unauthenticated" → default
   * policy all-unauthenticated → PERMISSIVE; git_version is a sha, not a version → version unknown.
   */
  @Test
  void linkerd2022_certExpiryAndDefaultPolicy() throws IOException {
    Evidence e = new Evidence();
    try (InputStream in = Fixtures.open("linkerd/proxy-metrics-2022-sample.prom.txt")) {
      assertThat(Payloads.read(in, e)).isEqualTo("linkerd metrics");
    }
    MeshStatus s = Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
    assertThat(s.proxy().kind()).isEqualTo(ProxyKind.LINKERD2_PROXY);
    assertThat(s.proxy().version()).isNull();
    assertThat(s.identity().name()).isNull();
    assertThat(s.identity().notAfter()).isEqualTo(Instant.parse("2022-04-27T09:59:03Z"));
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(s.ports()).isEmpty();
    assertThat(s.observedMtlsShare()).isNull();
    assertThat(codes(s)).containsExactly("mtls-permissive", "cert-expired");
  }

  /**
   * Linkerd 2021 authz lines: 8080 → 7 plaintext (tls="no_identity"); 8090 → 1 plaintext + 3147 tls="true"; 4191 is
   * the admin port (ignored). srv_name="default:all-unauthenticated" → PERMISSIVE. Traffic seen → intercepted.
   */
  @Test
  void linkerd2021_observedShareByPort() throws IOException {
    MeshStatus s = status("linkerd/proxy-metrics-2021-authz-inbound.prom.txt");
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(s.ports())
        .containsExactly(
            Results.portStatus(8080, PortProtocol.UNKNOWN, MtlsMode.PERMISSIVE, Tristate.YES, 0.0),
            Results.portStatus(8090, PortProtocol.UNKNOWN, MtlsMode.PERMISSIVE, Tristate.YES, 3147 / 3148.0));
    assertThat(s.observedMtlsShare()).isEqualTo(3147 / 3155.0);
  }

  /** Envoy's plain /stats text and /ready body carry no status; they are recognised and add nothing. */
  @Test
  void envoyTextPayloads_addNothing() throws IOException {
    for (String f :
        List.of("envoy/stats-readiness-filter-live.istio-test.txt", "envoy/stats-readiness-filter-preinit.istio-test.txt")) {
      Evidence e = new Evidence();
      try (InputStream in = Fixtures.open(f)) {
        assertThat(Payloads.read(in, e)).as(f).isEqualTo("envoy stats");
      }
    }
    List<String> unrecognised = new ArrayList<>();
    for (String f :
        List.of(
            "envoy/ready.docs-example.txt",
            "istio/secrets-istio-ca.istioctl-output.txt",
            "istio/waypoint-1.21-httpbin.istioctl-summary.txt")) {
      try (InputStream in = Fixtures.open(f)) {
        unrecognised.add(Payloads.read(in, new Evidence()));
      }
    }
    assertThat(unrecognised).containsOnly("unrecognised");
  }

  /** Several files of one pod combine: the 1.3 dump (ports, version) plus the Istio CA secrets dump (identity). */
  @Test
  void filesCombineIntoOneReport() throws IOException {
    MeshStatus s =
        status("istio/sidecar-1.3-productpage-permissive-http.config_dump.json", "istio/secrets-istio-ca.config_dump.json");
    assertThat(s.proxy().version()).isEqualTo("1.3.0-rc.2");
    assertThat(s.ports()).hasSize(1);
    assertThat(s.identity().notAfter()).isEqualTo(Instant.parse("2023-05-16T01:32:52Z"));
  }
}
