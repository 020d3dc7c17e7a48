package io.meshprobe.internal;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Builds a {@link Detection}: for the library's internals, the agent and their tests (its constructor is not API). */
public final class DetectionBuilder {
  private final MeshType type;
  private final Detection.Source sourceKind;
  private final String source;
  private @Nullable String mesh;
  private @Nullable String version;
  private boolean nativeSidecar;
  private boolean certain = true;
  private @Nullable String adminUrl;

  private DetectionBuilder(MeshType type, Detection.Source sourceKind, String source) {
    this.type = Objects.requireNonNull(type, "type");
    this.sourceKind = Objects.requireNonNull(sourceKind, "sourceKind");
    this.source = Objects.requireNonNull(source, "source");
  }

  /**
   * @param sourceKind the kind of evidence
   * @param source the same for people, with the details (which annotation, which URL answered)
   */
  public static DetectionBuilder of(MeshType type, Detection.Source sourceKind, String source) {
    return new DetectionBuilder(type, sourceKind, source);
  }

  /** A builder holding everything {@code d} holds. */
  public static DetectionBuilder from(Detection d) {
    return new DetectionBuilder(d.type(), d.sourceKind(), d.source())
        .mesh(d.mesh())
        .version(d.version())
        .nativeSidecar(d.nativeSidecar())
        .certain(d.certain())
        .adminUrl(d.adminUrl());
  }

  public DetectionBuilder mesh(@Nullable String mesh) {
    this.mesh = mesh;
    return this;
  }

  public DetectionBuilder version(@Nullable String version) {
    this.version = version == null || version.isEmpty() ? null : version;
    return this;
  }

  public DetectionBuilder nativeSidecar(boolean nativeSidecar) {
    this.nativeSidecar = nativeSidecar;
    return this;
  }

  /** Default {@code true}. */
  public DetectionBuilder certain(boolean certain) {
    this.certain = certain;
    return this;
  }

  public DetectionBuilder adminUrl(@Nullable String adminUrl) {
    this.adminUrl = adminUrl;
    return this;
  }

  public Detection build() {
    return Results.api().detection(type, sourceKind, source, mesh, version, nativeSidecar, certain, adminUrl);
  }
}
