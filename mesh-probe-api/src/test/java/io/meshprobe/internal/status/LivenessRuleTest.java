package io.meshprobe.internal.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Results;
import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.ProxyInfo;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.Severity;
import io.meshprobe.status.Tristate;
import java.time.Instant;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The liveness rule of the status refresh, without a proxy. */
class LivenessRuleTest {
  @Test
  void silenceCountsOnlyAfterReady_andOnlyOnTheSecondReadInARow() {
    assertThat(Derivation.unreachable(1, true)).isFalse();
    assertThat(Derivation.unreachable(2, true)).isTrue();
    assertThat(Derivation.unreachable(5, false)).isFalse();
  }

  @Test
  void theFindingReplacesQuitUnavailable_andKeepsTheRest() {
    MeshStatus s =
        Results.meshStatus(Results.proxyInfo(ProxyKind.ENVOY, "istio", "1.24.0", Tristate.NO), Instant.parse("2026-01-01T00:00:00Z"))
            .mtls(MtlsMode.STRICT)
            .finding(Results.finding("quit-unavailable", Severity.WARN, "blames the annotation"))
            .finding(Results.finding("cert-expired", Severity.ERROR, "expired"))
            .note("GET http://127.0.0.1:15000/server_info: connection refused")
            .build();
    MeshStatus u = Derivation.withUnreachable(s, "http://127.0.0.1:15021/healthz/ready (connection refused)", 2);
    assertThat(u.findings().stream().map(Finding::code).collect(Collectors.toList()))
        .containsExactly("proxy-unreachable", "cert-expired");
    Finding f = u.findings().get(0);
    assertThat(f.severity()).isEqualTo(Severity.ERROR);
    assertThat(f.message())
        .contains("http://127.0.0.1:15021/healthz/ready (connection refused)")
        .contains("2 reads in a row")
        .contains("kubectl logs <pod> -c istio-proxy --previous");
    assertThat(u.mtls()).isEqualTo(MtlsMode.STRICT);
    assertThat(u.notes()).isEqualTo(s.notes());
    assertThat(u.takenAt()).isEqualTo(s.takenAt());
  }
}
