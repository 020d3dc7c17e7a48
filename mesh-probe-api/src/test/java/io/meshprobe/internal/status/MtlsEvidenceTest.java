package io.meshprobe.internal.status;

import static io.meshprobe.internal.status.FixtureStatusTest.NOW;
import static io.meshprobe.internal.status.FixtureStatusTest.codes;
import static io.meshprobe.internal.status.FixtureStatusTest.read;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Results;
import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PlaintextPeer;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.Severity;
import io.meshprobe.status.Tristate;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The mTLS rules of {@code docs/diagnosis.md} "Evidence beats unknown" and "Ready for STRICT", on the recorded
 * payloads: the Linkerd 2021 scrape ({@code linkerd/proxy-metrics-2021-authz-inbound.prom.txt}: plaintext
 * {@code tls="no_identity",no_tls_reason="no_tls_from_remote"} 7 on 8080 and 1 on 8090, {@code tls="true"} 3147 on
 * 8090, 1319 plaintext on the admin port 4191 that is not app traffic; policy label
 * {@code srv_name="default:all-unauthenticated"}) and the Istio dumps (1.4 productpage: 9080 STRICT; 1.3 productpage:
 * 9080 PERMISSIVE). Where a test adds a configuration (a Linkerd env) or Istio counters, it says so: no recorded
 * Linkerd {@code /env.json} nor Istio scrape exists.
 */
class MtlsEvidenceTest {
  static final String LINKERD_2021 = "linkerd/proxy-metrics-2021-authz-inbound.prom.txt";
  static final Instant BEFORE = NOW.minusSeconds(30);

  static MeshStatus derive(Evidence e) {
    return Derivation.derive(e, null, Derivation.AppPorts.none(), NOW);
  }

  static Finding finding(MeshStatus s, String code) {
    return s.findings().stream().filter(f -> f.code().equals(code)).findFirst().orElseThrow(() -> new AssertionError(code + " in " + s.findings()));
  }

  /** An env.json as Linkerd's injector writes it, with the given default policy (the recorded scrape has none). */
  static Evidence linkerdWithEnv(String defaultPolicy, String requireIdentityPorts) throws IOException {
    Evidence e = read(LINKERD_2021);
    Map<String, String> env = new HashMap<>();
    env.put(Derivation.L_POLICY, defaultPolicy);
    env.put(Derivation.L_SHUTDOWN, "true");
    if (requireIdentityPorts != null) {
      env.put(Derivation.L_REQUIRE_ID, requireIdentityPorts);
    }
    e.linkerdEnv = env;
    return e;
  }

  /** Istio destination-side counters as PromText records them (no recorded Istio scrape exists): per client, no port. */
  static void istioCounters(Evidence e, long plaintext, long mtls) {
    e.istioSidecarStats = true;
    e.observedFrom = "istio_requests_total";
    e.observe(0, false, plaintext);
    e.observe(0, true, mtls);
    e.plaintextPeers.put(new Evidence.Peer(null, "productpage-v1", "default", "unknown"), plaintext);
  }

  @Test
  void linkerd2021_asRecorded_plaintextObserved_portsNamed_notReady() throws IOException {
    MeshStatus s = derive(read(LINKERD_2021));
    assertThat(s.configuredMtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(s.plaintextCount()).isEqualTo(8L);
    assertThat(s.plaintextRecent()).isNull();
    assertThat(s.plaintextPeers())
        .containsExactly(Results.plaintextPeer(8080, null, null, null, 7, null), Results.plaintextPeer(8090, null, null, null, 1, null));
    Finding f = finding(s, "mtls-plaintext-observed");
    assertThat(f.severity()).isEqualTo(Severity.WARN);
    assertThat(f.message()).contains("8 plaintext inbound requests", "(0.3% of 3155)");
    assertThat(s.strictReadiness().ready()).isEqualTo(Tristate.NO);
    assertThat(s.hasErrors()).isFalse();
  }

  /** The admin port's 1319 plaintext requests (Prometheus scraping 4191) are not app traffic: never a "client". */
  @Test
  void linkerd2021_adminPortTrafficIsNoPlaintextClient() throws IOException {
    MeshStatus s = derive(read(LINKERD_2021));
    assertThat(s.plaintextPeers()).extracting(PlaintextPeer::port).doesNotContain(4191);
    assertThat(s.plaintextCount()).isEqualTo(8L);
  }

  /**
   * Added env.json with default policy all-authenticated (STRICT): the recorded counters show 8 plaintext requests
   * accepted on 8080 and 8090. The env is fixed for the pod's life, so they were accepted under it: ERROR
   * mtls-strict-not-enforced, the ports and the workload are PERMISSIVE whatever the env says.
   */
  @Test
  void linkerdStrictEnv_plaintextAccepted_strictNotEnforced() throws IOException {
    MeshStatus s = derive(linkerdWithEnv("all-authenticated", null));
    assertThat(s.configuredMtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(s.ports()).extracting(PortStatus::mtls).containsOnly(MtlsMode.PERMISSIVE);
    Finding f = finding(s, "mtls-strict-not-enforced");
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.message()).contains("8 plaintext requests since it started on ports 8080, 8090", "Server and AuthorizationPolicy");
    assertThat(s.hasErrors()).isTrue();
    assertThat(s.strictReadiness().ready()).isEqualTo(Tristate.NO);
    assertThat(s.strictReadiness().summary()).startsWith("no, because the configuration says STRICT");
  }

  /** Added env: default all-unauthenticated, 8090 requires identity. Only 8090's 1 plaintext request contradicts. */
  @Test
  void linkerdRequireIdentityPort_plaintextOnIt_strictNotEnforcedOnThatPort() throws IOException {
    MeshStatus s = derive(linkerdWithEnv("all-unauthenticated", "8090"));
    assertThat(s.configuredMtls()).isEqualTo(MtlsMode.PERMISSIVE);
    assertThat(finding(s, "mtls-strict-not-enforced").message()).contains("on port 8090:");
    assertThat(s.ports()).extracting(PortStatus::port, PortStatus::mtls)
        .contains(org.assertj.core.groups.Tuple.tuple(8090, MtlsMode.PERMISSIVE));
  }

  /**
   * linkerd2-proxy counts refused plaintext in tcp_open_total / request_total too; only inbound_*_authz_allow_total
   * proves it was let through. Evidence built here (no such scrape is recorded): 5 plaintext connections opened on
   * 8080, authorization counters present with no plaintext allowed, added STRICT env: no contradiction, the clients
   * were refused.
   */
  @Test
  void linkerdStrict_plaintextOpenedButNotAuthorized_isNoContradiction() {
    Evidence e = new Evidence();
    e.linkerdMetrics = true;
    e.linkerdAuthz = true;
    e.observedFrom = "tcp_open_total";
    e.observe(8080, false, 5);
    e.observe(8080, true, 50);
    e.plaintextPeers.put(new Evidence.Peer(8080, null, null, null), 5L);
    e.linkerdEnv = new HashMap<>(Map.of(Derivation.L_POLICY, "all-authenticated", Derivation.L_SHUTDOWN, "true"));
    MeshStatus s = derive(e);
    assertThat(s.mtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(codes(s)).doesNotContain("mtls-strict-not-enforced");
    assertThat(finding(s, "mtls-plaintext-observed").message()).contains("5 plaintext inbound connections", "refused now");
  }

  /**
   * Two reads of the same scrape: nothing new since the previous read, so the plaintext is old: the finding drops to
   * INFO (an old burst does not alarm forever) and the workload is ready for STRICT.
   */
  @Test
  void secondReadWithNoNewPlaintext_isInfoAndReady() throws IOException {
    Evidence first = read(LINKERD_2021);
    derive(first);
    Evidence second = read(LINKERD_2021);
    second.previous(first.traffic(BEFORE));
    MeshStatus s = derive(second);
    assertThat(s.plaintextCount()).isEqualTo(8L);
    assertThat(s.plaintextRecent()).isEqualTo(0L);
    assertThat(s.previousRead()).isEqualTo(BEFORE);
    assertThat(s.plaintextPeers()).extracting(PlaintextPeer::recent).containsOnly(0L);
    Finding f = finding(s, "mtls-plaintext-observed");
    assertThat(f.severity()).isEqualTo(Severity.INFO);
    assertThat(f.message()).contains("0 since the previous read at " + BEFORE);
    assertThat(s.strictReadiness().ready()).isEqualTo(Tristate.YES);
    assertThat(s.strictReadiness().summary()).contains("no plaintext since the previous read");
  }

  /**
   * Previous read (added): 3 plaintext on 8080, none on 8090. Now the recorded 7 and 1: 5 recent, under an added STRICT
   * env: the ERROR counts the recent ones.
   */
  @Test
  void recentPlaintextIsTheDifferenceToThePreviousRead() throws IOException {
    Evidence previous = new Evidence();
    previous.observedFrom = "inbound_http_authz_allow_total";
    previous.observe(8080, false, 3);
    previous.observe(8090, true, 3000);
    previous.plaintextPeers.put(new Evidence.Peer(8080, null, null, null), 3L);
    Evidence now = linkerdWithEnv("all-authenticated", null);
    now.previous(previous.traffic(BEFORE));
    MeshStatus s = derive(now);
    assertThat(s.plaintextRecent()).isEqualTo(5L);
    assertThat(s.plaintextPeers())
        .containsExactly(Results.plaintextPeer(8080, null, null, null, 7, 4L), Results.plaintextPeer(8090, null, null, null, 1, 1L));
    assertThat(finding(s, "mtls-strict-not-enforced").message()).contains("5 plaintext requests since the previous read at " + BEFORE);
  }

  /** Counters lower than at the previous read: the proxy restarted, so everything it counted is recent. */
  @Test
  void countersThatWentDown_meanARestart_allRecent() throws IOException {
    Evidence previous = new Evidence();
    previous.observedFrom = "inbound_http_authz_allow_total";
    previous.observe(8080, false, 100);
    Evidence now = read(LINKERD_2021);
    now.previous(previous.traffic(BEFORE));
    assertThat(derive(now).plaintextRecent()).isEqualTo(8L);
  }

  /**
   * Istio 1.1 dump: inbound is the per-IP listener 10.52.2.21_9080 with one TLS chain (STRICT), no catch-all. Added
   * counters: 4, then 10 plaintext requests from default/productpage-v1. First read: the listeners are what Envoy
   * enforces now, so the plaintext may predate the switch: WARN, mode stays STRICT, ready. A next read that finds 6
   * more: ERROR mtls-strict-not-enforced, mode PERMISSIVE, not ready.
   */
  @Test
  void istioStrictListeners_plaintextOnlyAnErrorWhenRecent() throws IOException {
    String dump = "istio/sidecar-1.1-productpage-strict-http.config_dump.json";
    Evidence first = read(dump);
    istioCounters(first, 4, 10);
    MeshStatus s1 = derive(first);
    assertThat(s1.mtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(codes(s1)).contains("mtls-plaintext-observed").doesNotContain("mtls-strict-not-enforced");
    assertThat(finding(s1, "mtls-plaintext-observed").message()).contains("the configuration is STRICT now");
    assertThat(s1.strictReadiness().ready()).isEqualTo(Tristate.YES);

    Evidence second = read(dump);
    istioCounters(second, 10, 10);
    second.previous(first.traffic(BEFORE));
    MeshStatus s2 = derive(second);
    assertThat(s2.configuredMtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(s2.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
    Finding f = finding(s2, "mtls-strict-not-enforced");
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.message()).contains("6 plaintext requests since the previous read", "PeerAuthentication");
    assertThat(s2.plaintextPeers()).containsExactly(Results.plaintextPeer(null, "productpage-v1", "default", null, 10, 6L));
    assertThat(s2.strictReadiness().ready()).isEqualTo(Tristate.NO);
    assertThat(s2.strictReadiness().reasons()).anySatisfy(r -> assertThat(r).contains("default/productpage-v1 (10)"));
  }

  /**
   * Istio 1.4 dump: 9080 STRICT, but its virtualInbound also has catch-all tcp_proxy chains without TLS (passthrough
   * to ports without a Service). Istio's counters carry no port, so recent plaintext may have come through those: no
   * contradiction can be claimed (no ERROR, mode stays STRICT), but the workload is not ready.
   */
  @Test
  void istioStrictPortsWithPlaintextCatchAll_recentPlaintextIsNotReadyButNoError() throws IOException {
    String dump = "istio/sidecar-1.4-productpage-strict-http.config_dump.json";
    Evidence first = read(dump);
    istioCounters(first, 4, 10);
    Evidence second = read(dump);
    istioCounters(second, 10, 10);
    second.previous(first.traffic(BEFORE));
    MeshStatus s = derive(second);
    assertThat(s.mtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(codes(s)).contains("mtls-plaintext-observed").doesNotContain("mtls-strict-not-enforced");
    assertThat(finding(s, "mtls-plaintext-observed").message()).contains("catch-all");
    assertThat(s.strictReadiness().ready()).isEqualTo(Tristate.NO);
  }

  /** Istio 1.3 dump: 9080 PERMISSIVE, so plaintext contradicts nothing: no ERROR; the client blocks STRICT. */
  @Test
  void istioPermissiveListeners_plaintextIsNoContradiction() throws IOException {
    Evidence e = read("istio/sidecar-1.3-productpage-permissive-http.config_dump.json");
    istioCounters(e, 10, 10);
    MeshStatus s = derive(e);
    assertThat(codes(s)).contains("mtls-plaintext-observed", "mtls-permissive").doesNotContain("mtls-strict-not-enforced");
    assertThat(s.strictReadiness().summary()).contains("plaintext clients: default/productpage-v1 (10)");
  }

  /** Without counters: a STRICT dump is ready (already STRICT); a PERMISSIVE one cannot tell who would break. */
  @Test
  void withoutCounters_readinessFromTheConfigurationOnly() throws IOException {
    MeshStatus strict = derive(read("istio/sidecar-1.4-productpage-strict-http.config_dump.json"));
    assertThat(strict.strictReadiness().ready()).isEqualTo(Tristate.YES);
    assertThat(strict.plaintextCount()).isNull();
    MeshStatus permissive = derive(read("istio/sidecar-1.3-productpage-permissive-http.config_dump.json"));
    assertThat(permissive.strictReadiness().ready()).isEqualTo(Tristate.UNKNOWN);
    assertThat(permissive.strictReadiness().summary()).contains("counters show no inbound app traffic");
  }

  /** At most ten clients per port, most plaintext first. */
  @Test
  void peersAreCappedPerPortMostFirst() throws IOException {
    Evidence e = read("istio/sidecar-1.3-productpage-permissive-http.config_dump.json");
    istioCounters(e, 1, 0);
    for (int i = 0; i < 12; i++) {
      e.plaintextPeers.put(new Evidence.Peer(null, "client-" + i, "ns", null), 100L + i);
    }
    MeshStatus s = derive(e);
    assertThat(s.plaintextPeers()).hasSize(Derivation.TOP_PEERS);
    assertThat(s.plaintextPeers().get(0).name()).isEqualTo("ns/client-11");
  }

  /** No proxy at all: nothing to tell. */
  @Test
  void noProxy_unknown() {
    MeshStatus s = derive(new Evidence());
    assertThat(s.strictReadiness().ready()).isEqualTo(Tristate.UNKNOWN);
    assertThat(s.plaintextPeers()).isEmpty();
  }
}
