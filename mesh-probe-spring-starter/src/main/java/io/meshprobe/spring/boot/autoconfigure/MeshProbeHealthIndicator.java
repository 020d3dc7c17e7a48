package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/** The {@code meshprobe} health indicator for Boot 4 ({@code spring-boot-health}). Reports cached state only. */
final class MeshProbeHealthIndicator implements HealthIndicator {
  private final MeshProbe probe;
  private final @Nullable MeshProbeRuntime runtime;

  /** @param runtime the starter's runtime, for the start-up wait it kept; used only when it owns {@code probe} */
  MeshProbeHealthIndicator(MeshProbe probe, @Nullable MeshProbeRuntime runtime) {
    this.probe = probe;
    this.runtime = runtime != null && runtime.probe() == probe ? runtime : null;
  }

  @Override
  public Health health() {
    MeshProbeRuntime r = runtime;
    MeshProbeHealth h = MeshProbeHealth.of(probe, r == null ? null : r.startupWait());
    return Health.status(h.status).withDetails(h.details).build();
  }
}
