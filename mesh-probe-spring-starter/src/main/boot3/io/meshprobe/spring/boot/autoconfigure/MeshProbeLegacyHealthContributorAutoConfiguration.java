package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code meshprobe} health indicator on Boot 3.5, where the health API is in spring-boot-actuator. On Boot 4 these
 * classes are gone and {@link MeshProbeHealthContributorAutoConfiguration} applies instead; one jar serves both.
 *
 * <p>Compiled against spring-boot-actuator 3.5 in a separate step of the build (see the pom): the Boot 4 build cannot
 * have both generations of that artifact on one class path.
 */
@AutoConfiguration(
    after = MeshProbeAutoConfiguration.class,
    beforeName = "org.springframework.boot.actuate.autoconfigure.health.HealthContributorAutoConfiguration")
@ConditionalOnClass(
    name = {
      "org.springframework.boot.actuate.health.HealthIndicator",
      "org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator"
    })
@ConditionalOnBean(MeshProbe.class)
public final class MeshProbeLegacyHealthContributorAutoConfiguration {
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnEnabledHealthIndicator("meshprobe")
  static class Indicator {
    /** The bean name gives the component its name: {@code meshprobe}. */
    @Bean
    @ConditionalOnMissingBean(name = "meshprobeHealthIndicator")
    HealthIndicator meshprobeHealthIndicator(MeshProbe probe, ObjectProvider<MeshProbeRuntime> runtime) {
      return new MeshProbeLegacyHealthIndicator(probe, runtime.getIfAvailable());
    }
  }
}
