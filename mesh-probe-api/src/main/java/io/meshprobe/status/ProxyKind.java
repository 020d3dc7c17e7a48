package io.meshprobe.status;

import java.util.Locale;

/** The proxy process behind a status: {@link ProxyInfo#kind()}. */
public enum ProxyKind {
  /** An Envoy sidecar (Istio's, or another Envoy mesh's). */
  ENVOY,
  /** Linkerd's proxy. */
  LINKERD2_PROXY,
  /** Istio ambient mode's node proxy: no sidecar in the pod. */
  ZTUNNEL,
  /** The payload is an Istio gateway's, not a sidecar's. */
  GATEWAY,
  /** The payload is an Istio waypoint's, not a sidecar's. */
  WAYPOINT,
  /** No proxy. */
  NONE;

  private final String id = name().toLowerCase(Locale.ROOT).replace('_', '-');

  /**
   * The lower-case name used in the status document, logs and reports: {@code envoy}, {@code linkerd2-proxy},
   * {@code ztunnel}, {@code gateway}, {@code waypoint}, {@code none}.
   */
  public String id() {
    return id;
  }

  /** {@link #id()}. */
  @Override
  public String toString() {
    return id;
  }
}
