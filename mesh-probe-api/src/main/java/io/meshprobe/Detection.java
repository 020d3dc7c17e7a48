package io.meshprobe;

import io.meshprobe.internal.DetectionBuilder;
import io.meshprobe.internal.Results;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@link MeshProbe#detect()} found: the kind of mesh, the proxy's version when known, whether the
 * proxy runs as a Kubernetes native sidecar, and how certain the verdict is.
 *
 * <p>Immutable. {@link #toString()} is a one-line summary fit for a log.
 */
public final class Detection {
  /** The kind of evidence a verdict rests on; {@link #source()} says the same for people, with the details. */
  public enum Source {
    /** Configuration: {@code meshprobe.mesh}, or {@code meshprobe.enabled=false}. */
    CONFIGURATION,
    /** The pod's own annotations and labels, read from the Downward API's files ({@code meshprobe.podinfo.dir}). */
    POD_ANNOTATION,
    /** A proxy answered on its admin, status or readiness port. */
    PROXY_ANSWER,
    /** The pod's listening sockets ({@code /proc/net/tcp}): ztunnel's in-pod listeners. */
    LISTENING_SOCKETS,
    /** Nothing answered within the detection window, or outside Kubernetes: a {@link MeshType#NONE} that is not certain. */
    NO_ANSWER,
    /** The detection was interrupted: a {@link MeshType#NONE} that is not certain. */
    INTERRUPTED
  }

  private final MeshType type;
  private final String mesh;
  private final @Nullable String version;
  private final boolean nativeSidecar;
  private final boolean certain;
  private final Source sourceKind;
  private final String source;
  private final @Nullable String adminUrl;

  Detection(
      MeshType type,
      Source sourceKind,
      String source,
      @Nullable String mesh,
      @Nullable String version,
      boolean nativeSidecar,
      boolean certain,
      @Nullable String adminUrl) {
    this.type = Objects.requireNonNull(type, "type");
    this.sourceKind = Objects.requireNonNull(sourceKind, "sourceKind");
    this.source = Objects.requireNonNull(source, "source");
    this.mesh = mesh != null ? mesh : defaultMesh(type);
    this.version = version == null || version.isEmpty() ? null : version;
    this.nativeSidecar = nativeSidecar;
    this.certain = certain;
    this.adminUrl = adminUrl;
  }

  /** For the probe's own verdicts when a detection is interrupted. */
  static DetectionBuilder builder(MeshType type, String source) {
    return DetectionBuilder.of(type, Source.INTERRUPTED, source);
  }

  /** A copy that can be changed, e.g. to fill in what the proxy told later. */
  DetectionBuilder toBuilder() {
    return DetectionBuilder.from(this);
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
    return Results.proxyKind(type).id();
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

  /**
   * How the verdict was reached, for people: e.g. {@code "pod annotation sidecar.istio.io/status"} or
   * {@code "pilot-agent answered on http://127.0.0.1:15020"}. The wording may change; code should read
   * {@link #sourceKind()}.
   */
  public String source() {
    return source;
  }

  /** The kind of evidence the verdict rests on. */
  public Source sourceKind() {
    return sourceKind;
  }

  /** Base URL of the proxy's admin API when known. */
  public @Nullable String adminUrl() {
    return adminUrl;
  }

  /** If-else, not a switch over the enum: that compiles to a synthetic switch-map class, one more to load in premain. */
  private static String defaultMesh(MeshType type) {
    if (type == MeshType.ISTIO_SIDECAR || type == MeshType.ISTIO_AMBIENT) {
      return "istio";
    }
    if (type == MeshType.LINKERD) {
      return "linkerd";
    }
    return type == MeshType.ENVOY ? "envoy" : "none";
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
        && sourceKind == d.sourceKind
        && source.equals(d.source)
        && Objects.equals(adminUrl, d.adminUrl);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, mesh, version, nativeSidecar, certain, sourceKind, source, adminUrl);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (type == MeshType.NONE) {
      sb.append("no mesh proxy");
    } else if (type == MeshType.ISTIO_AMBIENT) {
      sb.append("istio ambient (ztunnel on the node, no sidecar)");
    } else {
      sb.append(mesh).append(' ').append(proxy()).append(nativeSidecar ? " native sidecar" : " sidecar");
      if (version != null) {
        sb.append(' ').append(version);
      }
    }
    sb.append(" (").append(certain ? "" : "not certain: ").append(source).append(')');
    return sb.toString();
  }
}
