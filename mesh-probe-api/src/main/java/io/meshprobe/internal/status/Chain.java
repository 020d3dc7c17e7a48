package io.meshprobe.internal.status;

import org.jspecify.annotations.Nullable;

/** What the derivation needs of one Envoy filter chain; a few fields, whatever the chain's size. */
final class Chain {
  @Nullable String name;
  /** {@code filter_chain_match.destination_port}; {@code null} when the chain matches any port. */
  @Nullable Integer destinationPort;
  @Nullable String transportProtocol;
  boolean hasApplicationProtocols;
  /** Terminates TLS (a {@code tls_context} or a TLS {@code transport_socket}). */
  boolean tls;
  /** Terminates TLS and requires a client certificate: mutual TLS. */
  boolean mtls;
  boolean http;
  boolean tcp;
  /** Some filter names an {@code inbound|…} cluster or route: the chain serves inbound traffic. */
  boolean inboundTarget;

  /** Accepts plaintext: no TLS termination and not matched on {@code transport_protocol: tls} (TLS passthrough). */
  boolean plaintext() {
    return !tls && !"tls".equals(transportProtocol);
  }

  @Override
  public String toString() {
    return "Chain{" + name + " port=" + destinationPort + " tp=" + transportProtocol + " mtls=" + mtls + " http=" + http + " tcp=" + tcp + "}";
  }
}
