package io.meshprobe;

/** How a request to the proxy to quit ended. */
public enum QuitOutcome {
  /** The proxy accepted the quit. */
  SUCCESS,
  /** Nothing to quit, on purpose: no proxy, ambient mode, or a native sidecar that the kubelet stops itself. */
  SKIPPED,
  /** The proxy has its quit endpoint turned off (Linkerd's default since 2024). The message says how to turn it on. */
  ENDPOINT_DISABLED,
  /** The quit was sent but not accepted, or could not be sent before the deadline. */
  FAILED
}
