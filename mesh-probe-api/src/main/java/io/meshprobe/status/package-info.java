/**
 * The pod's mesh status as seen from inside it: proxy, identity and certificate, inbound mTLS mode, the port
 * table and findings. Returned by {@link io.meshprobe.MeshProbe#status()}; immutable values.
 */
@NullMarked
package io.meshprobe.status;

import org.jspecify.annotations.NullMarked;
