package io.meshprobe.status;

/** How the proxy handles an inbound port. */
public enum PortProtocol {
  /** Parsed as HTTP (Istio: only HTTP filter chains). */
  HTTP,
  /** Raw TCP: bytes are forwarded, no L7 features (Istio: only TCP proxy chains). */
  TCP,
  /** Sniffed: HTTP when the first bytes look like HTTP, TCP otherwise (Istio protocol detection, Linkerd detection). */
  AUTO,
  /** Linkerd opaque port: no protocol detection, TCP with mTLS. */
  OPAQUE,
  /** Could not be derived. */
  UNKNOWN
}
