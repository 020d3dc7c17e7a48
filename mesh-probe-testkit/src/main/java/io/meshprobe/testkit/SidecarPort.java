package io.meshprobe.testkit;

/** A listening port of a {@link FakeSidecar}. Which ones exist depends on the {@link Personality}. */
public enum SidecarPort {
  /** Envoy admin API: 15000 under Istio, 9901 for a generic Envoy (Consul: 19000). */
  ENVOY_ADMIN(15000),
  /** Istio pilot-agent status server: {@code /healthz/ready}, {@code /quitquitquit}, merged metrics. */
  ISTIO_STATUS(15020),
  /** Istio's Envoy readiness listener: {@code /healthz/ready} routed to pilot-agent, with {@code server: envoy}. */
  ISTIO_READINESS(15021),
  /** Linkerd proxy admin server: {@code /ready}, {@code /live}, {@code /metrics}, {@code /shutdown}, {@code /env.json}. */
  LINKERD_ADMIN(4191);

  private final int defaultPort;

  SidecarPort(int defaultPort) {
    this.defaultPort = defaultPort;
  }

  int istioOrLinkerdDefault() {
    return defaultPort;
  }
}
