package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.status.Finding;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PlaintextPeer;
import io.meshprobe.status.Severity;
import io.meshprobe.status.Tristate;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fixtures;
import io.meshprobe.testkit.SidecarPort;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/**
 * The probe keeps the previous read's counters: the second status read tells plaintext since the first one (a rate),
 * so an old burst stops alarming. The fake Linkerd proxy serves the recorded 2021 scrape
 * ({@code linkerd/proxy-metrics-2021-authz-inbound.prom.txt}: 7 plaintext requests on 8080, 1 on 8090, 3147 mTLS on
 * 8090) on {@code /metrics}, the same on every read, and its synthetic {@code /env.json} (default policy
 * all-unauthenticated).
 */
class PlaintextRateLiveTest {
  @Test
  void secondReadCountsOnlyWhatIsNew() {
    try (FakeSidecar sidecar =
            FakeSidecar.linkerd()
                .freePorts()
                .fault("/metrics", Fault.status(200, Fixtures.text("linkerd/proxy-metrics-2021-authz-inbound.prom.txt")))
                .log(new PrintStream(new ByteArrayOutputStream()))
                .start();
        MeshProbe probe = MeshProbe.builder().mesh(MeshType.LINKERD).linkerdAdminUrl(sidecar.url(SidecarPort.LINKERD_ADMIN)).build()) {
      MeshStatus first = probe.refreshStatus();
      assertThat(first.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
      assertThat(first.plaintextCount()).isEqualTo(8L);
      assertThat(first.plaintextRecent()).isNull();
      assertThat(severity(first)).isEqualTo(Severity.WARN);
      assertThat(first.strictReadiness().ready()).isEqualTo(Tristate.NO);

      MeshStatus second = probe.refreshStatus();
      assertThat(second.plaintextCount()).isEqualTo(8L);
      assertThat(second.plaintextRecent()).isEqualTo(0L);
      assertThat(second.previousRead()).isEqualTo(first.takenAt());
      assertThat(second.plaintextPeers()).extracting(PlaintextPeer::recent).containsOnly(0L);
      assertThat(severity(second)).isEqualTo(Severity.INFO);
      assertThat(second.strictReadiness().ready()).isEqualTo(Tristate.YES);
    }
  }

  private static Severity severity(MeshStatus s) {
    return s.findings().stream().filter(f -> f.code().equals("mtls-plaintext-observed")).map(Finding::severity).findFirst().orElseThrow();
  }
}
