package io.meshprobe.agent.internal;

/**
 * The agent's status as JMX attributes, registered as {@code io.meshprobe:type=MeshProbe} in the platform MBean
 * server, so JMX exporters see it without Micrometer. Strings are empty (never null) when not known yet.
 */
public interface MeshProbeMXBean {
  /** {@code istio}, {@code linkerd}, {@code consul}, ..., {@code none}; empty before the verdict. */
  String getMesh();

  /** {@code envoy}, {@code linkerd2-proxy}, {@code ztunnel}, {@code none}; empty before the verdict. */
  String getProxy();

  String getProxyVersion();

  /** Whether the proxy was last seen ready. */
  boolean isReady();

  /** {@code block}, {@code gate} or {@code off}. */
  String getWaitMode();

  /** {@code READY}, {@code NO_PROXY}, {@code TIMED_OUT}, {@code INTERRUPTED}; empty while waiting. */
  String getWaitOutcome();

  /** How long the start-up wait took, in ms; -1 while waiting. */
  long getWaitMillis();

  /** {@code auto}, {@code always} or {@code never}. */
  String getQuitPolicy();

  /** The quit's outcome; empty until the quit. */
  String getQuitOutcome();

  /** The verdict as one line. */
  String getDetection();

  /** TCP ports this JVM listens on, from {@code /proc} at the time of the read. */
  int[] getListeningPorts();
}
