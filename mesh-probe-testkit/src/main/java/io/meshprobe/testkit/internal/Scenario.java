package io.meshprobe.testkit.internal;

/**
 * What the faked proxy serves, as the public builder set it: which recordings, which derived and synthetic
 * states. The dispatchers read it; the fake itself keeps what is lifecycle (ports, timing, faults, logs). A
 * mutable bag filled by the builder; the fake hands a {@link #copy()} to its dispatcher.
 */
public final class Scenario {
  /** The {@code /config_dump} fixture, or null for the personality's default. */
  public String configDump;
  /** The {@code /certs} fixture. */
  public String certs = EnvoyDispatcher.CERTS;
  /** Derived: {@code istio-proxy} listed under {@code initContainers} in {@code sidecar.istio.io/status}. */
  public boolean nativeSidecar;
  /** Derived: every served {@code ISTIO_VERSION} rewritten to this, or null. */
  public String istioVersion;
  /** Linkerd: {@code POST /shutdown} works. */
  public boolean shutdownEnabled;
  /** Envoy: the start value of the synthetic {@code control_plane.connected_state}. */
  public boolean controlPlaneConnected = true;
  /** Envoy, derived: a rejected dynamic listener in the config_dump, and {@code lds.update_rejected: 1}. */
  public boolean rejectedListener;
  /** The proxy's memory in bytes, or null for the default. */
  public Long proxyMemory;

  /** A copy, so a builder reused after {@code build()} does not change a built sidecar. */
  public Scenario copy() {
    Scenario s = new Scenario();
    s.configDump = configDump;
    s.certs = certs;
    s.nativeSidecar = nativeSidecar;
    s.istioVersion = istioVersion;
    s.shutdownEnabled = shutdownEnabled;
    s.controlPlaneConnected = controlPlaneConnected;
    s.rejectedListener = rejectedListener;
    s.proxyMemory = proxyMemory;
    return s;
  }
}
