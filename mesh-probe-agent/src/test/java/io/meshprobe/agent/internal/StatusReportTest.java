package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Results;
import io.meshprobe.internal.status.MeshStatusBuilder;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyInfo;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.Severity;
import io.meshprobe.status.Tristate;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatusReportTest {
  private static final Instant NOW = Instant.parse("2026-12-01T09:14:00Z");

  static MeshStatusBuilder status(MtlsMode mode) {
    return Results.meshStatus(Results.proxyInfo(ProxyKind.ENVOY, "istio", "1.22.3", Tristate.NO), NOW)
        .mtls(mode)
        .identity(Results.identity("spiffe://cluster.local/ns/shop/sa/orders", NOW.minusSeconds(3600), Instant.parse("2099-12-02T09:14:59Z"), "certs"))
        .port(Results.portStatus(8080, PortProtocol.HTTP, mode, Tristate.YES, null));
  }

  @Test
  void theSummaryNamesMeshModeIdentityCertificatePortsAndFindings() {
    MeshStatus s =
        status(MtlsMode.PERMISSIVE)
            .finding(Results.finding("mtls-permissive", Severity.WARN, "plaintext accepted"))
            .finding(Results.finding("port-sniffed", Severity.WARN, "sniffed"))
            .finding(Results.finding("some-info", Severity.INFO, "fyi"))
            .build();
    assertThat(StatusReport.summary(s))
        .isEqualTo(
            "istio 1.22.3, mTLS PERMISSIVE, identity spiffe://cluster.local/ns/shop/sa/orders, certificate valid until"
                + " 2099-12-02T09:14Z, ports 8080 HTTP/PERMISSIVE; 2 warnings (mtls-permissive, port-sniffed)");
  }

  @Test
  void changesAreOneLineEachAndNoneWhenNothingChanged() {
    MeshStatus before = status(MtlsMode.PERMISSIVE).finding(Results.finding("mtls-permissive", Severity.WARN, "plaintext")).build();
    MeshStatus same = status(MtlsMode.PERMISSIVE).finding(Results.finding("mtls-permissive", Severity.WARN, "plaintext")).build();
    assertThat(StatusReport.changes(before, same)).isEmpty();

    MeshStatus after = status(MtlsMode.STRICT).finding(Results.finding("cert-expires-soon", Severity.WARN, "renew")).build();
    assertThat(StatusReport.changes(before, after))
        .containsExactly(
            "mTLS now STRICT (was PERMISSIVE)",
            "ports 8080 HTTP/STRICT (was 8080 HTTP/PERMISSIVE)",
            "new warn finding cert-expires-soon: renew",
            "finding cleared: mtls-permissive");
  }
}
