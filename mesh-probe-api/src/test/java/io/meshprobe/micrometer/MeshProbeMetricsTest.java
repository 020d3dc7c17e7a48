package io.meshprobe.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.QuitOutcome;
import io.meshprobe.WaitOutcome;
import io.meshprobe.internal.meters.MeterDefs;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class MeshProbeMetricsTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  static MeshProbe.Builder aimedAt(FakeSidecar sidecar) {
    return MeshProbe.builder()
        .mesh(MeshType.ISTIO_SIDECAR)
        .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
        .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
        .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
        .waitInterval(Duration.ofMillis(10));
  }

  @Test
  void metersFollowTheProbeWithoutCallingTheProxyPerScrape() throws Exception {
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().log(QUIET).istioVersion("1.28.1").start();
        // No background refresh (binding would start one): the request count below then depends on this test alone.
        MeshProbe probe = aimedAt(sidecar).statusRefresh(Duration.ZERO).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe, Tags.of("app", "demo")).bindTo(registry);

      assertThat(registry.get("meshprobe.proxy.ready").tag("app", "demo").gauge().value()).isZero();
      // The quit counter is there from the start, at 0, for every outcome.
      // (its mesh tag may change from none to istio meanwhile, when the background detection ends)
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                for (QuitOutcome o : QuitOutcome.values()) {
                  assertThat(registry.find("meshprobe.proxy.quit").tags("outcome", o.name().toLowerCase(java.util.Locale.ROOT)).functionCounters())
                      .singleElement()
                      .satisfies(c -> assertThat(c.count()).isZero());
                }
              });

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

      probe.refreshStatus();
      assertThat(registry.get("meshprobe.mtls.mode").tags("mode", probe.status().mtls().name()).gauge().value()).isEqualTo(1.0);
      assertThat(registry.find("meshprobe.mtls.mode").gauges()).hasSize(1);
      assertThat(registry.find("meshprobe.port.info").gauges()).hasSize(probe.status().ports().size());
      assertThat(registry.get("meshprobe.controlplane.connected").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.config.rejected").functionCounter().count()).isZero();

      int before = sidecar.requests().size();
      for (Meter m : registry.getMeters()) {
        m.measure();
      }
      assertThat(sidecar.requests()).hasSize(before);

      assertThat(probe.quitProxy().outcome()).isEqualTo(QuitOutcome.SUCCESS);
      assertThat(registry.get("meshprobe.proxy.quit").tags("mesh", "istio", "outcome", "success").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.proxy.quit").tags("mesh", "istio", "outcome", "failed").functionCounter().count()).isZero();
      assertThat(registry.get("meshprobe.proxy.ready").gauge().value()).isZero();
    }
  }

  @Test
  void aFindingThatClearsIsNoLongerReported() throws Exception {
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().log(QUIET).controlPlaneConnected(false).start();
        MeshProbe probe = aimedAt(sidecar).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe).bindTo(registry);
      probe.awaitReady(Duration.ofSeconds(5));
      probe.refreshStatus();
      assertThat(registry.get("meshprobe.findings").tags("code", "controlplane-disconnected").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.controlplane.connected").gauge().value()).isZero();

      sidecar.setControlPlaneConnected(true);
      probe.refreshStatus();
      assertThat(registry.find("meshprobe.findings").tags("code", "controlplane-disconnected").gauges()).isEmpty();
      assertThat(registry.get("meshprobe.controlplane.connected").gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void eachWaitOutcomeKeepsItsOwnTimeAndNothingIsRegisteredTwice() throws Exception {
    Logger micrometer = Logger.getLogger("io.micrometer.core.instrument.MeterRegistry");
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
              warnings.add(r.getMessage());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    micrometer.addHandler(capture);
    // Boot's default: the exporting registry sits inside a composite (Metrics.globalRegistry), the binder is bound
    // to the composite and to the exporting registry's own bean.
    CompositeMeterRegistry global = new CompositeMeterRegistry();
    SimpleMeterRegistry prometheus = new SimpleMeterRegistry();
    global.add(prometheus);
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().log(QUIET).readyManually().start();
        MeshProbe probe = aimedAt(sidecar).build()) {
      new MeshProbeMetrics(probe).bindTo(global);

      assertThat(probe.awaitReady(Duration.ofMillis(300)).outcome()).isEqualTo(WaitOutcome.TIMED_OUT);
      double timedOut = prometheus.get("meshprobe.proxy.wait.time").tags("outcome", "timed_out").timeGauge().value(TimeUnit.SECONDS);
      assertThat(timedOut).isGreaterThanOrEqualTo(0.3);

      sidecar.becomeReady();
      assertThat(probe.awaitReady(Duration.ofSeconds(5)).outcome()).isEqualTo(WaitOutcome.READY);
      assertThat(probe.awaitReady(Duration.ofMillis(1)).outcome()).isEqualTo(WaitOutcome.READY);

      for (MeterRegistry r : List.of(global, prometheus)) {
        assertThat(r.get("meshprobe.proxy.wait.time").tags("outcome", "timed_out").timeGauge().value(TimeUnit.SECONDS))
            .as("the start-up wait's own time")
            .isEqualTo(timedOut);
        assertThat(r.find("meshprobe.proxy.wait.time").timeGauges()).hasSize(2);
      }
      probe.refreshStatus();
      probe.refreshStatus();
      assertThat(warnings).isEmpty();

      // The capture works: a real double registration is seen.
      SimpleMeterRegistry other = new SimpleMeterRegistry();
      Gauge.builder("meshprobe.test.twice", () -> 1).register(other);
      Gauge.builder("meshprobe.test.twice", () -> 1).register(other);
      assertThat(warnings).anyMatch(w -> w.contains("already registered"));
    } finally {
      micrometer.removeHandler(capture);
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

  @Test
  void noSampleIsEverNaNAndUnknownValuesHaveNoMeter() {
    try (MeshProbe probe = MeshProbe.builder().mesh(MeshType.NONE).build()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe).bindTo(registry);
      probe.awaitReady(Duration.ofSeconds(1));
      probe.refreshStatus();
      for (Meter m : registry.getMeters()) {
        for (Measurement x : m.measure()) {
          assertThat(x.getValue()).as("%s", m.getId()).isNotNaN();
        }
      }
      assertThat(registry.find(MeterDefs.MTLS_ENABLED.name()).gauges()).isEmpty();
      assertThat(registry.find(MeterDefs.PROXY_CPU.name()).functionCounters()).isEmpty();
      assertThat(registry.find(MeterDefs.CERT_EXPIRATION.name()).gauges()).isEmpty();
    }
  }
}
