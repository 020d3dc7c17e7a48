package io.meshprobe.status;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** One row of the port table: how the proxy treats inbound traffic to one app port. */
public final class PortStatus {
  private final int port;
  private final PortProtocol protocol;
  private final MtlsMode mtls;
  private final Tristate intercepted;
  private final @Nullable Double observedMtlsShare;

  PortStatus(int port, PortProtocol protocol, MtlsMode mtls, Tristate intercepted, @Nullable Double observedMtlsShare) {
    this.port = port;
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    this.mtls = Objects.requireNonNull(mtls, "mtls");
    this.intercepted = Objects.requireNonNull(intercepted, "intercepted");
    this.observedMtlsShare = observedMtlsShare;
  }

  public int port() {
    return port;
  }

  public PortProtocol protocol() {
    return protocol;
  }

  public MtlsMode mtls() {
    return mtls;
  }

  /** Whether inbound traffic to this port goes through the proxy at all (Istio exclude/include annotations). */
  public Tristate intercepted() {
    return intercepted;
  }

  /** Share (0..1) of inbound connections or requests seen with mTLS on this port, when the proxy's metrics tell. */
  public @Nullable Double observedMtlsShare() {
    return observedMtlsShare;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PortStatus)) {
      return false;
    }
    PortStatus p = (PortStatus) o;
    return port == p.port
        && protocol == p.protocol
        && mtls == p.mtls
        && intercepted == p.intercepted
        && Objects.equals(observedMtlsShare, p.observedMtlsShare);
  }

  @Override
  public int hashCode() {
    return Objects.hash(port, protocol, mtls, intercepted, observedMtlsShare);
  }

  @Override
  public String toString() {
    return port + " " + protocol + " mtls=" + mtls + " intercepted=" + intercepted;
  }
}
