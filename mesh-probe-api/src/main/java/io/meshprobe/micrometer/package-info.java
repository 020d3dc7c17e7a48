/** Micrometer meters for a {@link io.meshprobe.MeshProbe}; the only package that needs micrometer-core. */
@NullMarked
package io.meshprobe.micrometer;

import org.jspecify.annotations.NullMarked;
