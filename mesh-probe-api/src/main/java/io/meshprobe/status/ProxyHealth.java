package io.meshprobe.status;

import io.meshprobe.internal.Results;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How the proxy is doing beyond "ready": its control-plane connection and config freshness, rejected config, its
 * resource use, and whether the quit path works. Anything the proxy does not tell is {@code null} or
 * {@link Tristate#UNKNOWN}; see {@code docs/diagnosis.md} for where each value comes from.
 */
public final class ProxyHealth {
  /** Nothing known. */
  public static final ProxyHealth UNKNOWN =
      new ProxyHealth(Tristate.UNKNOWN, null, null, Collections.<String>emptyList(), null, null, Tristate.UNKNOWN);

  static {
    // This package's constructors for the library's internals: Results reads UNKNOWN, which runs this first.
    Results.register(new StatusAccess());
  }

  private final Tristate controlPlaneConnected;
  private final @Nullable Instant lastConfigUpdate;
  private final @Nullable Long configRejected;
  private final List<String> rejectedConfigs;
  private final @Nullable Long memoryBytes;
  private final @Nullable Double cpuSeconds;
  private final Tristate quitAvailable;

  ProxyHealth(
      Tristate controlPlaneConnected,
      @Nullable Instant lastConfigUpdate,
      @Nullable Long configRejected,
      List<String> rejectedConfigs,
      @Nullable Long memoryBytes,
      @Nullable Double cpuSeconds,
      Tristate quitAvailable) {
    this.controlPlaneConnected = Objects.requireNonNull(controlPlaneConnected, "controlPlaneConnected");
    this.lastConfigUpdate = lastConfigUpdate;
    this.configRejected = configRejected;
    this.rejectedConfigs = Collections.unmodifiableList(new ArrayList<>(rejectedConfigs));
    this.memoryBytes = memoryBytes;
    this.cpuSeconds = cpuSeconds;
    this.quitAvailable = Objects.requireNonNull(quitAvailable, "quitAvailable");
  }

  /** Whether the proxy is connected to its control plane (Envoy {@code control_plane.connected_state}). */
  public Tristate controlPlaneConnected() {
    return controlPlaneConnected;
  }

  /** When the proxy last accepted a config update (Envoy LDS/CDS {@code update_time}, the later one). */
  public @Nullable Instant lastConfigUpdate() {
    return lastConfigUpdate;
  }

  /** How many config updates the proxy rejected since it started (Envoy LDS + CDS {@code update_rejected}). */
  public @Nullable Long configRejected() {
    return configRejected;
  }

  /** Config the proxy holds in error now, one line each: {@code "listener NAME: REASON"}. */
  public List<String> rejectedConfigs() {
    return rejectedConfigs;
  }

  /** Memory of the proxy container's processes in bytes (Envoy + pilot-agent, or linkerd2-proxy). */
  public @Nullable Long memoryBytes() {
    return memoryBytes;
  }

  /** CPU time the proxy's processes used since they started, in seconds, where they tell it. */
  public @Nullable Double cpuSeconds() {
    return cpuSeconds;
  }

  /**
   * Whether asking the proxy to quit would work, checked without quitting: Istio's status port answers, Linkerd's
   * {@code /env.json} shows the shutdown endpoint enabled, an Envoy admin API answers.
   */
  public Tristate quitAvailable() {
    return quitAvailable;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ProxyHealth)) {
      return false;
    }
    ProxyHealth h = (ProxyHealth) o;
    return controlPlaneConnected == h.controlPlaneConnected
        && Objects.equals(lastConfigUpdate, h.lastConfigUpdate)
        && Objects.equals(configRejected, h.configRejected)
        && rejectedConfigs.equals(h.rejectedConfigs)
        && Objects.equals(memoryBytes, h.memoryBytes)
        && Objects.equals(cpuSeconds, h.cpuSeconds)
        && quitAvailable == h.quitAvailable;
  }

  @Override
  public int hashCode() {
    return Objects.hash(controlPlaneConnected, lastConfigUpdate, configRejected, rejectedConfigs, memoryBytes, cpuSeconds, quitAvailable);
  }

  @Override
  public String toString() {
    return "ProxyHealth{controlPlane=" + controlPlaneConnected + ", lastConfigUpdate=" + lastConfigUpdate + ", rejected="
        + configRejected + " " + rejectedConfigs + ", memory=" + memoryBytes + ", cpu=" + cpuSeconds + ", quit=" + quitAvailable + "}";
  }
}
