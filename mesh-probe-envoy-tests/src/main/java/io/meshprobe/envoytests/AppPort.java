package io.meshprobe.envoytests;

/**
 * One inbound app port of the sidecar and how Istio would configure it: its protocol (from the Service port name) and
 * the PeerAuthentication mode. It becomes the filter chains of {@code virtualInbound} that Istio's
 * {@code filterchain_options.go} builds for that pair.
 */
public final class AppPort {
  /** HTTP (a port named {@code http-*}) or TCP (a port named {@code tcp-*}). */
  public enum Protocol {
    HTTP,
    TCP
  }

  /** The PeerAuthentication mode of the port. */
  public enum Mode {
    STRICT,
    PERMISSIVE
  }

  private final int port;
  private final Protocol protocol;
  private final Mode mode;

  public AppPort(int port, Protocol protocol, Mode mode) {
    this.port = port;
    this.protocol = protocol;
    this.mode = mode;
  }

  public static AppPort http(int port, Mode mode) {
    return new AppPort(port, Protocol.HTTP, mode);
  }

  public static AppPort tcp(int port, Mode mode) {
    return new AppPort(port, Protocol.TCP, mode);
  }

  public int port() {
    return port;
  }

  public Protocol protocol() {
    return protocol;
  }

  public Mode mode() {
    return mode;
  }

  @Override
  public String toString() {
    return port + "/" + protocol + "/" + mode;
  }
}
