package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Results;
import io.meshprobe.internal.Settings;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.Tristate;
import io.meshprobe.testkit.Fixtures;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/**
 * The live status path against a scripted Envoy admin API: the query order (inbound listener first, falling back
 * to the listeners mask, never the whole dump once the inbound listener is found), the cache, and the meters.
 */
class StatusLiveTest {
  @StartStop final MockWebServer admin = new MockWebServer();

  final List<String> targets = new CopyOnWriteArrayList<>();

  MeshProbe probe(Map<String, String> props) {
    MeshProbe.Builder b =
        MeshProbe.builder().mesh(MeshType.ISTIO_SIDECAR).istioAdminUrl(admin.url("/").toString().replaceAll("/$", ""));
    b.source = Settings.Source.of(props, Map.of());
    return b.build();
  }

  /** Answers like an old Envoy without ?resource= support: 404 for it, the 2023 listeners dump for the mask. */
  void serve() {
    admin.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest r) {
            String t = r.getTarget();
            targets.add(t);
            if (t.startsWith("/config_dump?mask=dynamic_listeners")) {
              return fixture("istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json");
            }
            if (t.equals("/certs")) {
              return fixture("other/appmesh-envoy-certs-spire-svid.json");
            }
            if (t.equals("/config_dump")) {
              return fixture("istio/sidecar-1.3-productpage-permissive-http.config_dump.json");
            }
            return new MockResponse.Builder().code(404).body("not here").build();
          }
        });
  }

  static MockResponse fixture(String name) {
    return new MockResponse.Builder().code(200).body(new Buffer().write(Fixtures.bytes(name))).build();
  }

  @Test
  void refreshStatus_asksForTheInboundListenerFirst_andFallsBackToTheListenersMask() {
    serve();
    try (MeshProbe probe = probe(Map.of("meshprobe.status.refresh", "0s"))) {
      assertThat(probe.status()).isNull();
      MeshStatus s = probe.refreshStatus();
      assertThat(s.ports()).containsExactly(Results.portStatus(80, PortProtocol.HTTP, MtlsMode.PERMISSIVE, Tristate.UNKNOWN, null));
      assertThat(s.mtls()).isEqualTo(MtlsMode.PERMISSIVE);
      assertThat(s.identity().name()).isEqualTo("spiffe://howto-k8s-mtls-sds-based.aws/colorgreen");
      assertThat(probe.status()).isSameAs(s);
      assertThat(targets)
          .startsWith("/server_info", "/config_dump?resource=dynamic_listeners&name_regex=virtualInbound", "/config_dump?mask=dynamic_listeners,static_listeners", "/certs")
          .doesNotContain("/config_dump");
      assertThat(s.notes()).anyMatch(n -> n.contains("/server_info") && n.contains("404"));
    }
  }

  @Test
  void configuredPorts_overrideTheListenersPorts() {
    serve();
    try (MeshProbe probe = probe(Map.of("meshprobe.status.refresh", "0s", "meshprobe.ports", "8080"))) {
      MeshStatus s = probe.refreshStatus();
      assertThat(s.ports()).extracting(PortStatus::port, PortStatus::protocol).containsExactly(org.assertj.core.groups.Tuple.tuple(8080, PortProtocol.AUTO));
    }
  }

  @Test
  void metrics_readTheCachedSnapshot_withDocumentedNamesAndTags() {
    serve();
    try (MeshProbe probe = probe(Map.of("meshprobe.status.refresh", "0s", "meshprobe.ports", "80,8080"))) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe).bindTo(registry);
      assertThat(registry.find("meshprobe.mtls.enabled").gauge()).as("unknown before the first status: no series").isNull();
      int before = targets.size();
      probe.refreshStatus();
      int after = targets.size();

      assertThat(registry.get("meshprobe.mtls.enabled").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.identity.cert.expiration.timestamp").gauge().value())
          .isEqualTo((double) Instant.parse("2020-11-22T06:18:39Z").getEpochSecond());
      assertThat(registry.get("meshprobe.identity.cert.expiration.timestamp").gauge().getId().getBaseUnit()).isEqualTo("seconds");
      assertThat(registry.get("meshprobe.identity.info").tag("identity", "spiffe://howto-k8s-mtls-sds-based.aws/colorgreen").gauge().value())
          .isEqualTo(1.0);
      assertThat(registry.get("meshprobe.port.info").tags("port", "80", "protocol", "http", "mtls", "permissive").gauge().value())
          .isEqualTo(1.0);
      // 8080 has no chain of its own: the catch-all gives its protocol, but no mTLS claim (docs/diagnosis.md, "Per port").
      assertThat(registry.get("meshprobe.port.info").tags("port", "8080", "protocol", "auto", "mtls", "unknown").gauge().value())
          .isEqualTo(1.0);
      assertThat(registry.get("meshprobe.findings").tags("code", "mtls-permissive", "severity", "warn").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.findings").tags("code", "cert-expired", "severity", "error").gauge().value()).isEqualTo(1.0);
      // Scraping makes no call.
      for (Meter m : registry.getMeters()) {
        m.measure().forEach(x -> {});
      }
      assertThat(targets).hasSize(after);
      assertThat(after).isGreaterThan(before);
      List<String> names = registry.getMeters().stream().map(m -> m.getId().getName()).distinct().sorted().collect(Collectors.toList());
      assertThat(names).allMatch(n -> n.matches("[a-z.]+"));
    }
  }
}
