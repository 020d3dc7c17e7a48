package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.MeshProbe;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Boot 3.5's side of the one-jar promise: the legacy health adapter and the metrics binder, every condition. */
class LegacyHealthAutoConfigurationBoot35Test {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MeshProbeAutoConfiguration.class,
                  MeshProbeMetricsAutoConfiguration.class,
                  MeshProbeHealthContributorAutoConfiguration.class,
                  MeshProbeLegacyHealthContributorAutoConfiguration.class));

  private FakeIstio istio;

  @BeforeEach
  void startFake() throws Exception {
    istio = new FakeIstio(true);
  }

  @AfterEach
  void stopFake() {
    istio.close();
  }

  @Test
  void theLegacyIndicatorReportsTheCachedStatus() {
    runner
        .withPropertyValues(istio.properties())
        .run(
            context -> {
              assertThat(context).hasSingleBean(MeshProbe.class);
              HealthIndicator indicator = context.getBean("meshprobeHealthIndicator", HealthIndicator.class);
              await().atMost(Duration.ofSeconds(5)).until(() -> indicator.health().getStatus().equals(Status.UP));
              assertThat(indicator.health().getDetails()).containsEntry("mesh", "istio").containsEntry("ready", true);
            });
  }

  @Test
  void theIndicatorCanBeSwitchedOff() {
    runner
        .withPropertyValues("meshprobe.mesh=none", "management.health.meshprobe.enabled=false")
        .run(context -> assertThat(context).hasSingleBean(MeshProbe.class).doesNotHaveBean("meshprobeHealthIndicator"));
  }

  @Test
  void actuatorAndMicrometerAreOptional() {
    runner
        .withPropertyValues("meshprobe.mesh=none")
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class, HealthIndicator.class))
        .run(
            context ->
                assertThat(context)
                    .hasNotFailed()
                    .hasSingleBean(MeshProbe.class)
                    .doesNotHaveBean(MeshProbeMetrics.class)
                    .doesNotHaveBean("meshprobeHealthIndicator"));
  }

  @Test
  void bindsTheMeterBinder() {
    runner
        .withPropertyValues("meshprobe.mesh=none")
        .withConfiguration(
            AutoConfigurations.of(
                MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class))
        .run(
            context -> {
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("meshprobe.proxy.info").gauge() != null);
            });
  }
}
