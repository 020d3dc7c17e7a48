package io.meshprobe.agent.internal;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import io.meshprobe.internal.meters.MeterSource;
import io.meshprobe.status.MeshStatus;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What the agent knows, for the MXBean and the meters. Fed by the probe's listener; the meters read
 * {@link #meters()}, the library's state for its meter definition, which this forwards the events to.
 */
final class AgentState implements MeshProbeMXBean, MeshProbeListener {
  private final AgentConfig config;
  private final MeshProbe probe;
  private volatile Detection detection;
  private volatile WaitResult waited;
  private volatile QuitResult quit;
  volatile MicrometerBridge metrics;
  private final MeterSource meters;

  AgentState(AgentConfig config, MeshProbe probe) {
    this.config = config;
    this.probe = probe;
    // The status is started by the agent after the wait (StatusReport), never by a read of a meter.
    this.meters = new MeterSource(probe, false);
  }

  /** The probe's cached state as every meter reads it (Micrometer, the endpoint, the MXBean). */
  MeterSource meters() {
    return meters;
  }

  MeshProbe probe() {
    return probe;
  }

  Detection detection() {
    Detection d = detection;
    return d != null ? d : probe.lastDetection();
  }

  WaitResult waited() {
    return waited;
  }

  QuitResult quit() {
    return quit;
  }

  @Override
  public void onDetected(Detection d) {
    detection = d;
    meters.onDetected(d);
  }

  /** When the last progress line was printed, in seconds of waiting; a long wait shows one after 1 s, then every 5 s. */
  private long progressShownAt = -1;

  @Override
  public void onWaiting(Detection d, Duration waited, @Nullable String lastAnswer) {
    long s = waited.getSeconds();
    if (s >= 1 && (progressShownAt < 0 || s - progressShownAt >= 5)) {
      progressShownAt = s;
      AgentLog.info(
          "waiting for the " + d.mesh() + " proxy: " + s + "s" + (lastAnswer == null ? "" : " (last: " + lastAnswer + ")"));
    }
  }

  @Override
  public void onWaitFinished(WaitResult result) {
    waited = result;
    meters.onWaitFinished(result);
  }

  @Override
  public void onQuit(QuitResult result) {
    quit = result;
    meters.onQuit(result);
  }

  @Override
  public void onStatus(MeshStatus status) {
    meters.onStatus(status);
  }

  @Override
  public String getMesh() {
    Detection d = detection();
    return d == null ? "" : d.mesh();
  }

  @Override
  public String getProxy() {
    Detection d = detection();
    return d == null ? "" : d.proxy();
  }

  @Override
  public String getProxyVersion() {
    Detection d = detection();
    return d == null || d.version() == null ? "" : d.version();
  }

  @Override
  public boolean isReady() {
    return probe.isReady();
  }

  @Override
  public String getWaitMode() {
    return config.waitMode.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String getWaitOutcome() {
    WaitResult w = waited;
    return w == null ? "" : w.outcome().name();
  }

  @Override
  public long getWaitMillis() {
    WaitResult w = waited;
    return w == null ? -1 : w.waited().toMillis();
  }

  @Override
  public String getQuitPolicy() {
    return config.quit.name().toLowerCase(Locale.ROOT);
  }

  @Override
  public String getQuitOutcome() {
    QuitResult q = quit;
    return q == null ? "" : q.outcome().name();
  }

  @Override
  public String getDetection() {
    Detection d = detection();
    return d == null ? "" : d.toString();
  }

  @Override
  public int[] getListeningPorts() {
    return ListeningPorts.read();
  }
}
