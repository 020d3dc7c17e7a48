package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindHandlerAdvisor;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link MeshProbe} bean, configured from {@code meshprobe.*}. When the app was started by
 * {@code SpringApplication}, it is the probe {@link MeshProbeStartupInitializer} already waited with; otherwise a
 * fresh one that looks at the proxy in the background once the context is refreshed.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "meshprobe.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MeshProbeProperties.class)
public final class MeshProbeAutoConfiguration {
  /** Lets {@code meshprobe.quit=never} and {@code meshprobe.quit.timeout=3s} be bound side by side. */
  @Bean
  static ConfigurationPropertiesBindHandlerAdvisor meshProbeQuitScalarBindHandlerAdvisor() {
    return QuitScalarBindHandler.advisor();
  }

  @Bean
  @ConditionalOnMissingBean
  static MeshProbeRuntime meshProbeRuntime(MeshProbeProperties properties) {
    return MeshProbeRuntime.detached(MeshProbes.create(properties), properties.getPorts().isEmpty());
  }

  /** No destroy method: the runtime closes the probe, after the quit if one is due. */
  @Bean(destroyMethod = "")
  @ConditionalOnMissingBean
  MeshProbe meshProbe(MeshProbeRuntime runtime) {
    return runtime.probe();
  }
}
