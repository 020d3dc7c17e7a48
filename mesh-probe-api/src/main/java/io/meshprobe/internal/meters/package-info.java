/**
 * The one definition of mesh-probe's meter set, JDK-only: {@link io.meshprobe.internal.meters.MeterDefs#ALL} says
 * each meter's name, type, base unit, description and tag keys, and how to read its rows (tags and value) from a
 * probe's cached state ({@link io.meshprobe.internal.meters.MeterSource}). Everything that exports meters reads
 * it: {@code MeshProbeMetrics} (Micrometer, compiled against it), the agent's bridge into the app's own Micrometer
 * (through reflection, the same {@link io.meshprobe.internal.meters.MeterSync} with another
 * {@link io.meshprobe.internal.meters.MeterSync.Registrar}), the agent's Prometheus endpoint
 * ({@link io.meshprobe.internal.meters.PrometheusText}) and its MXBean. Not API.
 */
@NullMarked
package io.meshprobe.internal.meters;

import org.jspecify.annotations.NullMarked;
