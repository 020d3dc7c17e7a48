package io.meshprobe;

import io.meshprobe.internal.Results;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** The constructors of this package's result types, for {@link Results}; registered by {@link MeshType}. */
final class ApiAccess implements Results.Api {
  @Override
  public Detection detection(
      MeshType type,
      Detection.Source sourceKind,
      String source,
      @Nullable String mesh,
      @Nullable String version,
      boolean nativeSidecar,
      boolean certain,
      @Nullable String adminUrl) {
    return new Detection(type, sourceKind, source, mesh, version, nativeSidecar, certain, adminUrl);
  }

  @Override
  public WaitResult waitResult(
      WaitOutcome outcome, Duration waited, Detection detection, @Nullable String url, @Nullable String lastAnswer) {
    return new WaitResult(outcome, waited, detection, url, lastAnswer);
  }

  @Override
  public QuitResult quitResult(QuitOutcome outcome, String message) {
    return new QuitResult(outcome, message);
  }
}
