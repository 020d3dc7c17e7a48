package io.meshprobe;

/** How a wait for the proxy ended. */
public enum WaitOutcome {
  /** The proxy reported ready. */
  READY,
  /** There is no proxy in this pod to wait for (no mesh, ambient mode, or mesh-probe disabled). */
  NO_PROXY,
  /** The proxy was not ready before the deadline. */
  TIMED_OUT,
  /** The waiting thread was interrupted; its interrupt flag is set again. */
  INTERRUPTED
}
