package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The {@code meshprobe.*} meters, when Micrometer is on the class path and a registry is defined. Only the binder is
 * declared; Boot binds every {@code MeterBinder} bean to its registries. Ordered after the registries' auto-configs of
 * Boot 4 and Boot 3.5 (named by string: only one generation is present).
 *
 * <p>Not when the mesh-probe agent already puts the same meters into the app's registries (it sets the system
 * property {@code meshprobe.agent.meters=micrometer}): the agent's probe is the one that waited, and the same meter
 * registered twice would make Micrometer warn.
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
@Conditional(MeshProbeMetricsAutoConfiguration.NoAgentMeters.class)
public final class MeshProbeMetricsAutoConfiguration {
  /** The system property the agent sets when it exports the meters into Micrometer itself. */
  static final String AGENT_METERS = "meshprobe.agent.meters";

  static final class NoAgentMeters implements Condition {
    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return !"micrometer".equals(System.getProperty(AGENT_METERS));
    }
  }

  @Bean
  @ConditionalOnMissingBean
  MeshProbeMetrics meshProbeMetrics(MeshProbe probe) {
    return new MeshProbeMetrics(probe);
  }
}
