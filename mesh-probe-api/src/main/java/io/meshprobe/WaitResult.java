package io.meshprobe;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** The outcome of {@link MeshProbe#awaitReady(Duration)}: how it ended, how long it took and what the proxy last said. */
public final class WaitResult {
  private final WaitOutcome outcome;
  private final Duration waited;
  private final Detection detection;
  private final @Nullable String url;
  private final @Nullable String lastAnswer;

  WaitResult(
      WaitOutcome outcome, Duration waited, Detection detection, @Nullable String url, @Nullable String lastAnswer) {
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.waited = Objects.requireNonNull(waited, "waited");
    this.detection = Objects.requireNonNull(detection, "detection");
    this.url = url;
    this.lastAnswer = lastAnswer;
  }

  public WaitOutcome outcome() {
    return outcome;
  }

  /** Whether the app may now count on the proxy: {@code true} only for {@link WaitOutcome#READY}. */
  public boolean isReady() {
    return outcome == WaitOutcome.READY;
  }

  /** Time from the start of the wait to its end, detection included. */
  public Duration waited() {
    return waited;
  }

  /** The mesh the wait was about. */
  public Detection detection() {
    return detection;
  }

  /** The readiness URL polled last, or {@code null} when nothing was polled. */
  public @Nullable String url() {
    return url;
  }

  /** The proxy's last answer, e.g. {@code "HTTP 503"} or {@code "connection refused"}, or {@code null}. */
  public @Nullable String lastAnswer() {
    return lastAnswer;
  }

  /** One line for a log, saying what happened and, when it did not work, what to do. */
  public String message() {
    long ms = waited.toMillis();
    switch (outcome) {
      case READY:
        return detection.mesh() + " proxy ready after " + ms + " ms";
      case NO_PROXY:
        return detection.type() == MeshType.ISTIO_AMBIENT
            ? "istio ambient mode: traffic is captured by the node's ztunnel, no sidecar to wait for"
            : "no mesh proxy detected (" + detection.source() + "); not waiting";
      case TIMED_OUT:
        return detection.mesh()
            + " proxy not ready after "
            + ms
            + " ms at "
            + url
            + " (last: "
            + lastAnswer
            + "); check the proxy container's logs, or raise meshprobe.wait.timeout";
      default:
        return "wait for the " + detection.mesh() + " proxy interrupted after " + ms + " ms";
    }
  }

  @Override
  public String toString() {
    return outcome + ": " + message();
  }
}
