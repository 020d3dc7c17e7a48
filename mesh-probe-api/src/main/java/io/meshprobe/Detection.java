package io.meshprobe;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link MeshProbe#detect()} found: the kind of mesh, the proxy's version when known, whether the
 * proxy runs as a Kubernetes native sidecar, and how certain the verdict is.
 *
 * <p>Immutable. {@link #toString()} is a one-line summary fit for a log.
 */
public final class Detection {
  private final MeshType type;
  private final String mesh;
  private final @Nullable String version;
  private final boolean nativeSidecar;
  private final boolean certain;
  private final String source;
  private final @Nullable String adminUrl;

  private Detection(Builder b) {
    this.type = b.type;
    this.mesh = b.mesh != null ? b.mesh : defaultMesh(b.type);
    this.version = b.version;
    this.nativeSidecar = b.nativeSidecar;
    this.certain = b.certain;
    this.source = b.source;
    this.adminUrl = b.adminUrl;
  }

  /** Starts a detection of the given type; for the library's internals, tests and tools. */
  public static Builder builder(MeshType type, String source) {
    return new Builder(type, source);
  }

  /** A copy that can be changed. */
  public Builder toBuilder() {
    return new Builder(type, source)
        .mesh(mesh)
        .version(version)
        .nativeSidecar(nativeSidecar)
        .certain(certain)
        .adminUrl(adminUrl);
  }

  public MeshType type() {
    return type;
  }

  /**
   * The mesh's product name, lower case: {@code istio}, {@code linkerd}, {@code consul}, {@code kuma},
   * {@code appmesh}, {@code osm}, {@code envoy} (an Envoy mesh that could not be told apart) or {@code none}.
   */
  public String mesh() {
    return mesh;
  }

  /** The proxy process: {@code envoy}, {@code linkerd2-proxy}, {@code ztunnel} or {@code none}. */
  public String proxy() {
    switch (type) {
      case ISTIO_SIDECAR:
      case ENVOY:
        return "envoy";
      case LINKERD:
        return "linkerd2-proxy";
      case ISTIO_AMBIENT:
        return "ztunnel";
      default:
        return "none";
    }
  }

  /** The mesh or proxy version when the proxy said it (Istio's {@code ISTIO_VERSION}, Linkerd's proxy version), else {@code null}. */
  public @Nullable String version() {
    return version;
  }

  /**
   * Whether the proxy runs as a Kubernetes native sidecar (an init container with {@code restartPolicy:
   * Always}). The kubelet then starts it before the app and stops it after, so the probe never asks it to
   * quit: a quit would only make the kubelet restart it.
   */
  public boolean nativeSidecar() {
    return nativeSidecar;
  }

  /**
   * Whether the verdict is certain: it came from configuration, from the pod's own annotations, or from a
   * proxy that answered. A {@link MeshType#NONE} after the detection window is not certain, nor an
   * {@link MeshType#ENVOY} whose admin API answered but whose {@code /server_info} could not be read in time.
   */
  public boolean certain() {
    return certain;
  }

  /** How the verdict was reached, e.g. {@code "pod annotation sidecar.istio.io/status"} or {@code "pilot-agent answered on http://127.0.0.1:15020"}. */
  public String source() {
    return source;
  }

  /** Base URL of the proxy's admin API when known. */
  public @Nullable String adminUrl() {
    return adminUrl;
  }

  private static String defaultMesh(MeshType type) {
    switch (type) {
      case ISTIO_SIDECAR:
      case ISTIO_AMBIENT:
        return "istio";
      case LINKERD:
        return "linkerd";
      case ENVOY:
        return "envoy";
      default:
        return "none";
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof Detection)) {
      return false;
    }
    Detection d = (Detection) o;
    return type == d.type
        && mesh.equals(d.mesh)
        && Objects.equals(version, d.version)
        && nativeSidecar == d.nativeSidecar
        && certain == d.certain
        && source.equals(d.source)
        && Objects.equals(adminUrl, d.adminUrl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, mesh, version, nativeSidecar, certain, source, adminUrl);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    switch (type) {
      case NONE:
        sb.append("no mesh proxy");
        break;
      case ISTIO_AMBIENT:
        sb.append("istio ambient (ztunnel on the node, no sidecar)");
        break;
      default:
        sb.append(mesh).append(' ').append(proxy()).append(nativeSidecar ? " native sidecar" : " sidecar");
        if (version != null) {
          sb.append(' ').append(version);
        }
    }
    sb.append(" (").append(certain ? "" : "not certain: ").append(source).append(')');
    return sb.toString();
  }

  /** Builds a {@link Detection}. */
  public static final class Builder {
    private final MeshType type;
    private final String source;
    private @Nullable String mesh;
    private @Nullable String version;
    private boolean nativeSidecar;
    private boolean certain = true;
    private @Nullable String adminUrl;

    private Builder(MeshType type, String source) {
      this.type = Objects.requireNonNull(type, "type");
      this.source = Objects.requireNonNull(source, "source");
    }

    public Builder mesh(@Nullable String mesh) {
      this.mesh = mesh;
      return this;
    }

    public Builder version(@Nullable String version) {
      this.version = version == null || version.isEmpty() ? null : version;
      return this;
    }

    public Builder nativeSidecar(boolean nativeSidecar) {
      this.nativeSidecar = nativeSidecar;
      return this;
    }

    public Builder certain(boolean certain) {
      this.certain = certain;
      return this;
    }

    public Builder adminUrl(@Nullable String adminUrl) {
      this.adminUrl = adminUrl;
      return this;
    }

    public Detection build() {
      return new Detection(this);
    }
  }
}
