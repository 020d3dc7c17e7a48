/**
 * The fake sidecar's implementation. Not API: anything here may change in any release. The rooms, as in OkHttp's
 * mockwebserver3:
 * <ul>
 *   <li>the HTTP/1.1 server on raw sockets: {@link io.meshprobe.testkit.internal.MiniHttpServer},
 *       {@link io.meshprobe.testkit.internal.Response};</li>
 *   <li>one {@link io.meshprobe.testkit.internal.Dispatcher} per proxy personality:
 *       {@link io.meshprobe.testkit.internal.IstioDispatcher} (pilot-agent status port, Envoy readiness listener,
 *       and its Envoy admin), {@link io.meshprobe.testkit.internal.EnvoyDispatcher} (generic Envoy admin),
 *       {@link io.meshprobe.testkit.internal.LinkerdDispatcher} (linkerd2-proxy admin), fed by a
 *       {@link io.meshprobe.testkit.internal.Scenario} and the recorded
 *       {@link io.meshprobe.testkit.internal.Payloads};</li>
 *   <li>the {@link io.meshprobe.testkit.internal.FaultPlayer}, which plays a public {@code Fault}'s
 *       {@link io.meshprobe.testkit.internal.FaultScript} on the raw connection.</li>
 * </ul>
 * Lifecycle, ports and the request journal stay in the public {@code FakeSidecar}. Nothing here uses
 * mesh-probe-api: the testkit is the independent check on its parsers.
 *
 * <p>Also mesh-probe's own build tools, shipped here because every module's tests can reach them:
 * {@link io.meshprobe.testkit.internal.PublicApi}, the renderer of the checked-in public API dumps, and
 * {@link io.meshprobe.testkit.internal.GeneratedDocs}, the check of the generated sections of docs/reliability.md.
 */
package io.meshprobe.testkit.internal;
