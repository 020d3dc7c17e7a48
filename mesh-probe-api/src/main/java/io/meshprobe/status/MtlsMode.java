package io.meshprobe.status;

/** How the proxy treats inbound connections: Istio's PeerAuthentication modes, Linkerd's policies mapped onto them. */
public enum MtlsMode {
  /** Only mutual TLS is accepted (Istio STRICT; Linkerd {@code all-authenticated}, {@code cluster-authenticated}). */
  STRICT,
  /** Mutual TLS and plaintext are both accepted (Istio's default; Linkerd {@code *-unauthenticated}). */
  PERMISSIVE,
  /** Only plaintext is accepted. */
  DISABLE,
  /** Could not be derived. */
  UNKNOWN
}
