/**
 * mesh-probe's implementation. Not API: anything here may change in any release. The admin HTTP client
 * ({@code internal.http}), the JSON and {@code /proc} readers live here, behind {@link io.meshprobe.MeshProbe}.
 */
@NullMarked
package io.meshprobe.internal;

import org.jspecify.annotations.NullMarked;
