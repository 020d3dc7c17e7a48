package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code meshprobe.*} meters, when Micrometer is on the class path and a registry is defined. Only the binder is
 * declared; Boot binds every {@code MeterBinder} bean to its registries. Ordered after the registries' auto-configs of
 * Boot 4 and Boot 3.5 (named by string: only one generation is present).
 */
@AutoConfiguration(
    after = MeshProbeAutoConfiguration.class,
    afterName = {
      "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
      "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
      "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration"
    })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean({MeshProbe.class, MeterRegistry.class})
public final class MeshProbeMetricsAutoConfiguration {
  @Bean
  @ConditionalOnMissingBean
  MeshProbeMetrics meshProbeMetrics(MeshProbe probe) {
    return new MeshProbeMetrics(probe);
  }
}
