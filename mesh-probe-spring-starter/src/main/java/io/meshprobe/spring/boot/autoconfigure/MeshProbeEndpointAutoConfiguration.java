package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.info.ConditionalOnEnabledInfoContributor;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code meshprobe} actuator endpoint and info contributor, when Actuator is on the class path (the same packages
 * on Boot 4 and 3.5). The endpoint follows Boot's conventions: read-only, and only defined once exposed
 * ({@code management.endpoints.web.exposure.include=meshprobe}). The presence checks sit on the outer class; the
 * Actuator annotations on the nested ones, parsed only once the checks passed.
 */
@AutoConfiguration(after = MeshProbeAutoConfiguration.class)
@ConditionalOnClass(
    name = {
      "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
      "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint",
      "org.springframework.boot.actuate.info.InfoContributor",
      "org.springframework.boot.actuate.autoconfigure.info.ConditionalOnEnabledInfoContributor"
    })
@ConditionalOnBean(MeshProbe.class)
public final class MeshProbeEndpointAutoConfiguration {
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnAvailableEndpoint(endpoint = MeshProbeEndpoint.class)
  static class Endpoint {
    @Bean
    @ConditionalOnMissingBean
    MeshProbeEndpoint meshProbeEndpoint(MeshProbe probe) {
      return new MeshProbeEndpoint(probe);
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnEnabledInfoContributor("meshprobe")
  static class Info {
    @Bean
    @ConditionalOnMissingBean(name = "meshprobeInfoContributor")
    InfoContributor meshprobeInfoContributor(MeshProbe probe) {
      return new MeshProbeInfoContributor(probe);
    }
  }
}
