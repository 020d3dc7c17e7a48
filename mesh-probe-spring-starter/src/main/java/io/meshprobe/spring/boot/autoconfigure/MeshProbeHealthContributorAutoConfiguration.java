package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code meshprobe} health indicator on Boot 4 ({@code spring-boot-health}, pulled in by the actuator starter).
 * Switch it off with {@code management.health.meshprobe.enabled=false}. Add it to the readiness group with
 * {@code management.endpoint.health.group.readiness.include=readinessState,meshprobe}; never to liveness: a proxy
 * restart must not restart the app.
 *
 * <p>The class presence check sits on the outer class (its condition class is Boot's own, always present); the health
 * annotations sit on the nested class, which is only parsed once the check passed.
 */
@AutoConfiguration(
    after = MeshProbeAutoConfiguration.class,
    beforeName = "org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration")
@ConditionalOnClass(
    name = {
      "org.springframework.boot.health.contributor.HealthIndicator",
      "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator"
    })
@ConditionalOnBean(MeshProbe.class)
public final class MeshProbeHealthContributorAutoConfiguration {
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnEnabledHealthIndicator("meshprobe")
  static class Indicator {
    /** The bean name gives the component its name: {@code meshprobe}. */
    @Bean
    @ConditionalOnMissingBean(name = "meshprobeHealthIndicator")
    HealthIndicator meshprobeHealthIndicator(MeshProbe probe, ObjectProvider<MeshProbeRuntime> runtime) {
      return new MeshProbeHealthIndicator(probe, runtime.getIfAvailable());
    }
  }
}
