package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The {@code meshprobe} health indicator for Boot 3.5 ({@code org.springframework.boot.actuate.health} in
 * spring-boot-actuator). Same content as the Boot 4 one: {@link MeshProbeHealth}, cached state only.
 */
final class MeshProbeLegacyHealthIndicator implements HealthIndicator {
  private final MeshProbe probe;
  private final @Nullable MeshProbeRuntime runtime;

  /** @param runtime the starter's runtime, for the start-up wait it kept; used only when it owns {@code probe} */
  MeshProbeLegacyHealthIndicator(MeshProbe probe, @Nullable MeshProbeRuntime runtime) {
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
