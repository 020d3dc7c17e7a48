package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.micrometer.MeshProbeMetrics;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy-health meters and the quit preflight against the fake sidecar's health states. */
class ProxyHealthLiveTest {
  final List<String> warnings = new CopyOnWriteArrayList<>();
  final Logger logger = Logger.getLogger("io.meshprobe");
  final Handler handler =
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
  FakeSidecar sidecar;

  @BeforeEach
  void listen() {
    logger.addHandler(handler);
  }

  @AfterEach
  void stop() {
    logger.removeHandler(handler);
    if (sidecar != null) {
      sidecar.close();
    }
  }

  FakeSidecar start(FakeSidecar.Builder b) {
    sidecar = b.freePorts().log(new PrintStream(new ByteArrayOutputStream(), true)).start();
    return sidecar;
  }

  MeshProbe istio() {
    return MeshProbe.builder()
        .mesh(MeshType.ISTIO_SIDECAR)
        .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
        .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
        .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
        .build();
  }

  MeshProbe linkerd() {
    return MeshProbe.builder().mesh(MeshType.LINKERD).linkerdAdminUrl(sidecar.url(SidecarPort.LINKERD_ADMIN)).build();
  }

  @Test
  void meters_showTheFakesDisconnectedRejectedOverBudgetState() {
    start(FakeSidecar.istio().controlPlaneConnected(false).rejectedListener(true).proxyMemory(200L << 20));
    try (MeshProbe probe = istio()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe).bindTo(registry);
      // Not known before the first status: no series at all, never NaN.
      assertThat(registry.find("meshprobe.controlplane.connected").gauge()).isNull();
      MeshStatus s = probe.refreshStatus();

      assertThat(registry.get("meshprobe.controlplane.connected").gauge().value()).isEqualTo(0.0);
      assertThat(registry.get("meshprobe.config.rejected").functionCounter().count()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.config.last.update.timestamp").gauge().value())
          .isEqualTo(s.health().lastConfigUpdate().toEpochMilli() / 1000.0)
          .isGreaterThan(0);
      assertThat(registry.get("meshprobe.config.last.update.timestamp").gauge().getId().getBaseUnit()).isEqualTo("seconds");
      assertThat(registry.get("meshprobe.proxy.memory").gauge().value()).isEqualTo((double) (200L << 20));
      assertThat(registry.get("meshprobe.proxy.memory").gauge().getId().getBaseUnit()).isEqualTo("bytes");
      assertThat(registry.find("meshprobe.proxy.cpu").functionCounter()).isNull(); // Envoy tells no CPU time: no series
      assertThat(registry.get("meshprobe.quit.available").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.findings").tags("code", "controlplane-disconnected", "severity", "warn").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.findings").tags("code", "config-rejected", "severity", "error").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get("meshprobe.findings").tags("code", "proxy-memory-over-budget", "severity", "warn").gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void linkerdMeters_fromTheRecordedProcessSeries() {
    start(FakeSidecar.linkerd());
    try (MeshProbe probe = linkerd()) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      new MeshProbeMetrics(probe).bindTo(registry);
      probe.refreshStatus();
      assertThat(registry.get("meshprobe.proxy.memory").gauge().value()).isEqualTo(17805312.0);
      assertThat(registry.get("meshprobe.proxy.cpu").functionCounter().count()).isEqualTo(0.07);
      assertThat(registry.get("meshprobe.quit.available").gauge().value()).isEqualTo(0.0);
      assertThat(registry.find("meshprobe.controlplane.connected").gauge()).isNull(); // Linkerd does not tell
    }
  }

  @Test
  void preflight_linkerdShutdownDisabled_oneWarnLineAtStart() {
    start(FakeSidecar.linkerd());
    try (MeshProbe probe = linkerd()) {
      assertThat(probe.awaitReady(Duration.ofSeconds(5)).isReady()).isTrue();
      Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> warnings.stream().anyMatch(w -> w.contains("quit preflight")));
      assertThat(warnings).filteredOn(w -> w.contains("quit preflight")).singleElement().asString()
          .contains("shutdown endpoint is disabled").contains("config.linkerd.io/proxy-admin-shutdown: enabled");
      assertThat(sidecar.requests()).anyMatch(r -> r.path().equals("/env.json") && "LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED".equals(r.query()));
      assertThat(sidecar.isStopped()).isFalse(); // nothing was quit
    }
  }

  @Test
  void preflight_linkerdShutdownEnabled_staysQuiet() throws Exception {
    start(FakeSidecar.linkerd().shutdownEnabled(true));
    try (MeshProbe probe = linkerd()) {
      assertThat(probe.awaitReady(Duration.ofSeconds(5)).isReady()).isTrue();
      assertThat(sidecar.awaitRequest("GET", "/env.json", Duration.ofSeconds(5))).isNotNull();
      // The check is one request; once answered, the WARN line would have been logged on the same thread right after.
      Awaitility.await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> warnings.stream().noneMatch(w -> w.contains("quit preflight")));
    }
  }

  @Test
  void preflight_istioStatusPortDown_warns() {
    start(FakeSidecar.istio().fault("/healthz/ready", io.meshprobe.testkit.Fault.status(200, "")));
    // Readiness through 15021 only; then pilot-agent's port "disappears": point the status URL at a closed port.
    try (MeshProbe probe =
        MeshProbe.builder()
            .mesh(MeshType.ISTIO_SIDECAR)
            .istioStatusUrl("http://127.0.0.1:1")
            .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
            .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
            .build()) {
      assertThat(probe.awaitReady(Duration.ofSeconds(5)).isReady()).isTrue();
      Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> warnings.stream().anyMatch(w -> w.contains("quit preflight")));
      assertThat(warnings).filteredOn(w -> w.contains("quit preflight")).singleElement().asString()
          .contains("status port does not answer").contains("status.sidecar.istio.io/port");
      assertThat(probe.refreshStatus().findings()).anyMatch(f -> f.code().equals("quit-unavailable"));
    }
  }
}
