package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.micrometer.MeshProbeMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** With the agent exporting the meters into the app's registries, the starter binds no second copy. */
class MeshProbeMetricsAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  MeshProbeAutoConfiguration.class,
                  MeshProbeMetricsAutoConfiguration.class,
                  MetricsAutoConfiguration.class,
                  CompositeMeterRegistryAutoConfiguration.class,
                  SimpleMetricsExportAutoConfiguration.class))
          .withPropertyValues("meshprobe.mesh=none");

  @AfterEach
  void clear() {
    System.clearProperty(MeshProbeMetricsAutoConfiguration.AGENT_METERS);
  }

  @Test
  void noBinderWhenTheAgentExportsTheMeters() {
    System.setProperty(MeshProbeMetricsAutoConfiguration.AGENT_METERS, "micrometer");
    runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeshProbe.class).doesNotHaveBean(MeshProbeMetrics.class));
  }

  @Test
  void aBinderWithoutTheAgent() {
    runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeshProbeMetrics.class));
  }
}
