/**
 * Spring Boot auto-configuration for mesh-probe: the {@link io.meshprobe.MeshProbe} bean, its meters, the
 * {@code meshprobe} health indicator, the start-up wait and the quit of the proxy when a job-style app ends.
 */
@NullMarked
package io.meshprobe.spring.boot.autoconfigure;

import org.jspecify.annotations.NullMarked;
