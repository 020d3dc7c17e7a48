/**
 * A fake mesh sidecar (Istio, Linkerd, Envoy) serving real recorded proxy payloads over HTTP, with fault scripting.
 * The API is {@link io.meshprobe.testkit.FakeSidecar} and its builder, {@link io.meshprobe.testkit.Fault},
 * {@link io.meshprobe.testkit.RecordedRequest}, {@link io.meshprobe.testkit.Fixtures} and the JUnit
 * {@link io.meshprobe.testkit.FakeSidecarExtension}; the implementation is in {@code io.meshprobe.testkit.internal}.
 */
package io.meshprobe.testkit;
