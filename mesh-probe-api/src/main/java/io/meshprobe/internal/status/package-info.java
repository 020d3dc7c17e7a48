/**
 * Reading the proxy's status payloads (config dumps, certificates, secrets, metrics, env.json) into
 * {@link io.meshprobe.status.MeshStatus}: streaming parsers, the derivation rules and the live fetcher.
 */
@NullMarked
package io.meshprobe.internal.status;

import org.jspecify.annotations.NullMarked;
