package io.meshprobe.testkit;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Which proxy a {@link FakeSidecar} impersonates, and therefore which ports it opens. */
public enum Personality {
  /** Istio sidecar: pilot-agent status server (15020), Envoy readiness listener (15021), Envoy admin (15000). */
  ISTIO(SidecarPort.ISTIO_STATUS, SidecarPort.ENVOY_ADMIN, SidecarPort.ISTIO_READINESS),
  /** Linkerd proxy (linkerd2-proxy): admin server on 4191. */
  LINKERD(SidecarPort.LINKERD_ADMIN),
  /** A generic Envoy mesh (Kuma, App Mesh, Consul...): Envoy admin only, 9901 by default (Consul uses 19000). */
  ENVOY(SidecarPort.ENVOY_ADMIN);

  private final List<SidecarPort> ports;

  Personality(SidecarPort... ports) {
    this.ports = Collections.unmodifiableList(Arrays.asList(ports));
  }

  /** The ports this personality opens, in the order they are bound. */
  public List<SidecarPort> ports() {
    return ports;
  }

  /** True if this personality opens {@code port}. */
  public boolean has(SidecarPort port) {
    return ports.contains(port);
  }

  /** The real proxy's default port number for {@code port} under this personality. */
  public int defaultPort(SidecarPort port) {
    if (!has(port)) {
      throw new IllegalArgumentException(this + " has no " + port + " port (it has " + ports + ")");
    }
    return port == SidecarPort.ENVOY_ADMIN && this == ENVOY ? 9901 : port.istioOrLinkerdDefault();
  }

  /** Lower-case name as used on the command line and in log lines: {@code istio}, {@code linkerd}, {@code envoy}. */
  public String id() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
