package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The {@code meshprobe} health indicator for Boot 3.5 ({@code org.springframework.boot.actuate.health} in
 * spring-boot-actuator). Same content as the Boot 4 one: {@link MeshProbeHealth}, cached state only.
 */
final class MeshProbeLegacyHealthIndicator implements HealthIndicator {
  private final MeshProbe probe;

  MeshProbeLegacyHealthIndicator(MeshProbe probe) {
    this.probe = probe;
  }

  @Override
  public Health health() {
    MeshProbeHealth h = MeshProbeHealth.of(probe);
    return Health.status(h.status).withDetails(h.details).build();
  }
}
