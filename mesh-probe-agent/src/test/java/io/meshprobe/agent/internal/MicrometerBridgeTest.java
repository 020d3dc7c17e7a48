package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.internal.meters.MeterSource;
import io.meshprobe.internal.meters.MeterSync;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The agent's reflective path into Micrometer and the library's direct one give the same scrape. */
class MicrometerBridgeTest {
  @Test
  void reflectionRegistersWhatMeshProbeMetricsRegisters() throws Exception {
    try (MeshProbe probe = MeshProbe.builder().mesh(MeshType.NONE).build()) {
      probe.awaitReady(Duration.ofSeconds(1));
      // A snapshot before binding: both paths then read the same state (binding also starts the background refresh,
      // whose first snapshot would otherwise reach the direct registry only, some ms later).
      probe.refreshStatus();
      PrometheusMeterRegistry direct = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      new MeshProbeMetrics(probe).bindTo(direct);
      PrometheusMeterRegistry reflective = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      MeterSource source = new MeterSource(probe, true);
      MeterSync sync = new MeterSync(source, new MicrometerBridge.Reflective(reflective));
      assertThat(sync.sync()).as("%s", sync.failure()).isTrue();
      assertThat(withoutValues(reflective.scrape())).isEqualTo(withoutValues(direct.scrape())).contains("meshprobe_proxy_wait_time_seconds{");
    }
  }

  private static String withoutValues(String scrape) {
    return scrape.replaceAll("(?m) [^ ]+$", "");
  }
}
