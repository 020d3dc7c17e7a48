package io.meshprobe.internal.meters;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.ProbeFixture;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.meshprobe.testkit.FakeSidecar;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The agent's Prometheus text and a Micrometer {@link PrometheusMeterRegistry} scrape of {@code MeshProbeMetrics},
 * on the same probe state, have the same series: names, label sets and values.
 */
class PrometheusTextTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)})? (\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @Test
  void sameSeriesAsAMicrometerScrape() throws Exception {
    try (FakeSidecar sidecar = disconnectedIstio();
        MeshProbe probe = probe(sidecar)) {
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new MeshProbeMetrics(probe).bindTo(registry);
      MeterSource source = readyWithStatus(probe);

      String micrometer = registry.scrape();
      String ours = PrometheusText.render(source);

      Map<String, Double> expected = samples(micrometer);
      Map<String, Double> actual = samples(ours);
      assertThat(actual.keySet()).isEqualTo(expected.keySet());
      for (Map.Entry<String, Double> e : expected.entrySet()) {
        assertThat(actual.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue(), org.assertj.core.data.Offset.offset(1e-6));
      }
      // The state covers the status meters, not only the wait.
      assertThat(actual.keySet())
          .anyMatch(k -> k.startsWith("meshprobe_mtls_mode{mode="))
          .anyMatch(k -> k.startsWith("meshprobe_port_info{"))
          .anyMatch(k -> k.startsWith("meshprobe_findings{code=controlplane-disconnected"))
          .anyMatch(k -> k.startsWith("meshprobe_identity_cert_expiration_timestamp_seconds"))
          .anyMatch(k -> k.startsWith("meshprobe_config_rejected_total"))
          .anyMatch(k -> k.startsWith("meshprobe_proxy_quit_total{"));
      // HELP and TYPE lines name the same families.
      assertThat(families(ours)).isEqualTo(families(micrometer));
    }
  }

  @Test
  void aSnapshotKeepsTheStateItWasTakenWith() throws Exception {
    try (FakeSidecar sidecar = disconnectedIstio();
        MeshProbe probe = probe(sidecar)) {
      MeterSource source = readyWithStatus(probe);
      MeterSource before = source.snapshot();
      String disconnected = "meshprobe_findings{code=\"controlplane-disconnected\"";
      assertThat(PrometheusText.render(before)).contains(disconnected, "meshprobe_controlplane_connected 0.0");

      sidecar.setControlPlaneConnected(true);
      probe.refreshStatus();
      // The live source has the new status; the snapshot, which one rendering reads throughout, still the old one.
      assertThat(PrometheusText.render(source)).doesNotContain(disconnected).contains("meshprobe_controlplane_connected 1.0");
      assertThat(PrometheusText.render(before)).contains(disconnected, "meshprobe_controlplane_connected 0.0");
      assertThat(before.status()).isNotSameAs(source.status());
      assertThat(before.isReady()).isTrue();
      assertThat(before.detection()).isSameAs(source.detection());
      assertThat(before.waits()).isEqualTo(source.waits());
    }
  }

  private static FakeSidecar disconnectedIstio() {
    return FakeSidecar.istio().freePorts().log(QUIET).istioVersion("1.22.3").controlPlaneConnected(false).start();
  }

  private static MeshProbe probe(FakeSidecar sidecar) {
    return ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).build();
  }

  /** A meter source listening to {@code probe}, once the proxy is ready and a status has been read. */
  private static MeterSource readyWithStatus(MeshProbe probe) {
    MeterSource source = new MeterSource(probe, false);
    probe.addListener(source);
    probe.awaitReady(Duration.ofSeconds(5));
    probe.refreshStatus();
    return source;
  }

  /** {@code name{k=v,...}} (labels sorted) -> value. */
  static Map<String, Double> samples(String text) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.find()).as(line).isTrue();
      TreeSet<String> labels = new TreeSet<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.add(l.group(1) + "=" + l.group(2));
        }
      }
      out.put(m.group(1) + labels.toString().replace('[', '{').replace(']', '}').replace(", ", ","), Double.valueOf(m.group(4)));
    }
    return out;
  }

  static TreeSet<String> families(String text) {
    TreeSet<String> out = new TreeSet<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        out.add(line.substring("# TYPE ".length()));
      }
    }
    return out;
  }
}
