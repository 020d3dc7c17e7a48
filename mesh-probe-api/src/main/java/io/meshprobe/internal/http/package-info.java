/**
 * The probe's own HTTP/1.1 client for the proxy's admin ports ({@link io.meshprobe.internal.http.LoopbackHttp}): a
 * plain socket, one total deadline per call, capped heads and bodies. Not API.
 */
@NullMarked
package io.meshprobe.internal.http;

import org.jspecify.annotations.NullMarked;
