package io.meshprobe;

import io.meshprobe.internal.Results;

/** What kind of mesh data plane serves this pod: the verdict of {@link MeshProbe#detect()}. */
public enum MeshType {
  /** Istio with an Envoy sidecar managed by pilot-agent (ports 15000, 15020, 15021). */
  ISTIO_SIDECAR,
  /** A generic Envoy mesh: Consul (admin 19000), Kuma or App Mesh (9901), OSM (15000). */
  ENVOY,
  /** Linkerd's linkerd2-proxy (admin 4191). */
  LINKERD,
  /** Istio ambient mode: the pod's traffic is captured by the node's ztunnel; there is no proxy in the pod. */
  ISTIO_AMBIENT,
  /** No mesh proxy. */
  NONE;

  static {
    // This package's constructors for the library's internals: Results reads NONE, which runs this first.
    Results.register(new ApiAccess());
  }

  /** Whether a proxy runs inside this pod, one that can be waited for and asked to quit. */
  public boolean hasSidecar() {
    return this == ISTIO_SIDECAR || this == ENVOY || this == LINKERD;
  }
}
