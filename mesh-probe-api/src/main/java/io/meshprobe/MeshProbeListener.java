package io.meshprobe;

/**
 * Receives a {@link MeshProbe}'s events, e.g. to export them as metrics.
 *
 * <h2>Threads</h2>
 *
 * Each method runs on the thread that produced the event: the caller of {@link MeshProbe#awaitReady()} /
 * {@link MeshProbe#detect()} / {@link MeshProbe#quitProxy()} / {@link MeshProbe#refreshStatus()}, or one of the
 * probe's own daemon threads ({@code mesh-probe-wait}, {@code mesh-probe-node-info}, {@code mesh-probe-status}). So
 * two events may arrive at once on different threads: a listener that keeps state must be thread-safe. Methods must
 * return quickly and must not block on the probe (e.g. call {@code awaitReady()}); an exception thrown by a listener is
 * logged and ignored, and the other listeners are still called. A listener added while an event is being delivered
 * may or may not receive that event. No status snapshot is delivered after {@link MeshProbe#close()}.
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

  /**
   * A new status snapshot was taken ({@link MeshProbe#refreshStatus()} or the background refresh of
   * {@link MeshProbe#startStatusRefresh()}); {@link MeshProbe#isReady()} already reflects it.
   */
  default void onStatus(io.meshprobe.status.MeshStatus status) {}
}
