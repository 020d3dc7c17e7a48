/**
 * The pod's mesh status as seen from inside it: proxy, identity and certificate, inbound mTLS mode (configured and
 * as the proxy's counters saw it, with the plaintext clients and whether STRICT is safe), the port table and findings. Returned by {@link io.meshprobe.MeshProbe#status()}; immutable values.
 */
@NullMarked
package io.meshprobe.status;

import org.jspecify.annotations.NullMarked;
