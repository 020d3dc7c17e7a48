package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** The {@code meshprobe} health indicator for Boot 4 ({@code spring-boot-health}). Reports cached state only. */
final class MeshProbeHealthIndicator implements HealthIndicator {
  private final MeshProbe probe;

  MeshProbeHealthIndicator(MeshProbe probe) {
    this.probe = probe;
  }

  @Override
  public Health health() {
    MeshProbeHealth h = MeshProbeHealth.of(probe);
    return Health.status(h.status).withDetails(h.details).build();
  }
}
