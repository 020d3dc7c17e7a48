package io.meshprobe.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.QuitOutcome;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MeshProbeMetricsTest {

  @Test
  void metersFollowTheProbeWithoutCallingTheProxyPerScrape() throws Exception {
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().istioVersion("1.28.1").start();
        MeshProbe probe =
            MeshProbe.builder()
                .mesh(MeshType.ISTIO_SIDECAR)
                .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
                .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
                .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
                .build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe, Tags.of("app", "demo")).bindTo(registry);

      assertThat(registry.get("meshprobe.proxy.ready").tag("app", "demo").gauge().value()).isZero();

      probe.awaitReady(Duration.ofSeconds(5));

      assertThat(registry.get("meshprobe.proxy.ready").gauge().value()).isEqualTo(1.0);
      assertThat(
              registry.get("meshprobe.proxy.wait.time").tags("mesh", "istio", "outcome", "ready", "app", "demo").timeGauge().value(TimeUnit.SECONDS))
          .isPositive()
          .isLessThan(5.0);
      // The version arrives once the proxy's node metadata has been read, in the background.
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(
                          registry.get("meshprobe.proxy.info").tags("mesh", "istio", "proxy", "envoy", "version", "1.28.1").gauge().value())
                      .isEqualTo(1.0));
      assertThat(registry.find("meshprobe.proxy.info").gauges()).hasSize(1);

      int before = sidecar.requests().size();
      for (Meter m : registry.getMeters()) {
        m.measure();
      }
      assertThat(sidecar.requests()).hasSize(before);

      assertThat(probe.quitProxy().outcome()).isEqualTo(QuitOutcome.SUCCESS);
      assertThat(registry.get("meshprobe.proxy.quit").tags("mesh", "istio", "outcome", "success").counter().count()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.proxy.ready").gauge().value()).isZero();
    }
  }

  @Test
  void aBinderBoundAfterTheWaitStillShowsIt() {
    try (MeshProbe probe = MeshProbe.builder().mesh(MeshType.NONE).build()) {
      probe.awaitReady(Duration.ofSeconds(1));
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe).bindTo(registry);

      assertThat(registry.get("meshprobe.proxy.info").tags("mesh", "none", "proxy", "none", "version", "unknown").gauge().value())
          .isEqualTo(1.0);
      assertThat(registry.get("meshprobe.proxy.wait.time").tags("outcome", "no_proxy").timeGauge()).isNotNull();
    }
  }
}
