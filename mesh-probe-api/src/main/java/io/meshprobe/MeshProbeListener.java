package io.meshprobe;

/**
 * Receives a {@link MeshProbe}'s events, e.g. to export them as metrics. Every method has an empty default.
 *
 * <h2>Threads</h2>
 *
 * <ul>
 *   <li><b>Which thread</b>: the one that produced the event. That is the caller of {@link MeshProbe#awaitReady()},
 *       {@link MeshProbe#detect()}, {@link MeshProbe#quitProxy()} or {@link MeshProbe#refreshStatus()}, or one of the
 *       probe's own daemon threads: {@code mesh-probe-wait} (the waits of {@link MeshProbe#awaitReadyAsync} and
 *       {@link MeshProbe#awaitReadyInBackground()}), {@code mesh-probe-wait-tail} ({@link #onDetected} when Istio's node
 *       metadata completes the verdict) and {@code mesh-probe-status} ({@link #onStatus} of the background refresh).
 *       So two events may arrive at once on different threads: a listener that keeps state must be thread-safe.
 *   <li><b>No locks held</b>: the probe calls listeners after it released its locks, and after the result is
 *       available to other callers (a concurrent {@code quitProxy()} does not wait for the listeners of the first).
 *       A listener may call the probe's getters. It should return quickly: it runs on the thread of the event, so a
 *       slow listener delays that thread (a wait's caller, the next status refresh). It must not wait for the probe on
 *       another thread, e.g. join an {@code awaitReadyAsync()} future from {@code onWaiting}.
 *   <li><b>Exceptions</b> are swallowed: the event still reaches the other listeners, and the probe goes on as if the
 *       listener had returned. The first failure of each listener is logged at WARN with its stack trace, its later
 *       failures at DEBUG, so a listener that fails on every poll does not flood the log. Only a
 *       {@link VirtualMachineError} (out of memory, stack overflow) is passed on.
 *   <li><b>Order</b>: listeners are called in the order they were added, the builder's first. A listener added or
 *       removed while an event is delivered may or may not receive that event. A status snapshot whose read ends after
 *       {@link MeshProbe#close()} is not delivered.
 * </ul>
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
