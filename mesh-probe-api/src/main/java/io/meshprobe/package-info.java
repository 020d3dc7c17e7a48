/**
 * mesh-probe's public API: {@link io.meshprobe.MeshProbe} detects the pod's mesh proxy, waits for it,
 * and asks it to quit; the other types are the values it returns.
 */
@NullMarked
package io.meshprobe;

import org.jspecify.annotations.NullMarked;
