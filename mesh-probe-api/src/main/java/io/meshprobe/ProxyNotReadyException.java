package io.meshprobe;

/**
 * Thrown by {@link MeshProbe#awaitReady(java.time.Duration)} when the probe is configured to fail closed
 * ({@code meshprobe.wait.on-timeout=fail}) and the proxy was not ready in time. The message names the
 * proxy, the URL, the time waited and the last answer.
 */
public final class ProxyNotReadyException extends MeshProbeException {
  private static final long serialVersionUID = 1L;

  private final transient WaitResult result;

  public ProxyNotReadyException(WaitResult result) {
    super(result.message());
    this.result = result;
  }

  /** The wait that failed. */
  public WaitResult result() {
    return result;
  }
}
