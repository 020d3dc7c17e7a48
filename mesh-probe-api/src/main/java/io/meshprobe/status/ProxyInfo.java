package io.meshprobe.status;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Which proxy serves the pod. */
public final class ProxyInfo {
  private final ProxyKind kind;
  private final String mesh;
  private final @Nullable String version;
  private final Tristate nativeSidecar;

  ProxyInfo(ProxyKind kind, String mesh, @Nullable String version, Tristate nativeSidecar) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.mesh = Objects.requireNonNull(mesh, "mesh");
    this.version = version;
    this.nativeSidecar = Objects.requireNonNull(nativeSidecar, "nativeSidecar");
  }

  /**
   * The proxy process: {@link ProxyKind#ENVOY} (a sidecar), {@link ProxyKind#LINKERD2_PROXY}, {@link ProxyKind#ZTUNNEL},
   * {@link ProxyKind#NONE}; or, for a payload that is not a sidecar's, {@link ProxyKind#GATEWAY} or
   * {@link ProxyKind#WAYPOINT}. Its {@link ProxyKind#id()} is the status document's {@code proxy.kind}.
   */
  public ProxyKind kind() {
    return kind;
  }

  /** The mesh, as {@link io.meshprobe.Detection#mesh()}: {@code istio}, {@code linkerd}, {@code envoy}, {@code none}, … */
  public String mesh() {
    return mesh;
  }

  /** The mesh or proxy version, e.g. Istio's {@code 1.22.3}; {@code null} when unknown. */
  public @Nullable String version() {
    return version;
  }

  /** Whether the proxy runs as a Kubernetes native sidecar (an init container with {@code restartPolicy: Always}). */
  public Tristate nativeSidecar() {
    return nativeSidecar;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ProxyInfo)) {
      return false;
    }
    ProxyInfo p = (ProxyInfo) o;
    return kind == p.kind && mesh.equals(p.mesh) && Objects.equals(version, p.version) && nativeSidecar == p.nativeSidecar;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, mesh, version, nativeSidecar);
  }

  @Override
  public String toString() {
    return mesh + "/" + kind + (version == null ? "" : " " + version);
  }
}
