package io.meshprobe;

/**
 * Receives a {@link MeshProbe}'s events, e.g. to export them as metrics. Methods run on the thread that
 * produced the event and must return quickly; an exception thrown by a listener is logged and ignored.
 */
public interface MeshProbeListener {
  /** The verdict changed: first found, or completed later (version, native sidecar). */
  default void onDetected(Detection detection) {}

  /**
   * A wait for readiness is under way: called when it starts ({@code waited} zero, {@code lastAnswer} null) and then
   * about once a second while the proxy is not ready, so tools can show progress.
   */
  default void onWaiting(Detection detection, java.time.Duration waited, @org.jspecify.annotations.Nullable String lastAnswer) {}

  /** A wait for readiness ended. */
  default void onWaitFinished(WaitResult result) {}

  /** The proxy was asked to quit (or the quit was skipped). Called once per probe. */
  default void onQuit(QuitResult result) {}

  /** A new status snapshot was taken ({@link MeshProbe#refreshStatus()} or the background refresh). */
  default void onStatus(io.meshprobe.status.MeshStatus status) {}
}
