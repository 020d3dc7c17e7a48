package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.status.Finding;
import io.meshprobe.status.FindingCodes;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.StatusDocument;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code meshprobe} health component, independent of the Boot generation: a status code and ordered details,
 * built from the probe's cached state only. No call to the proxy is ever made per health request. What keeps that state
 * current is the probe's own background status refresh ({@link MeshProbe#startStatusRefresh()}, every
 * {@code meshprobe.status.refresh}): {@link MeshProbeRuntime} starts it once the context is refreshed, and binding the
 * probe's meters ({@code MeshProbeMetrics.bindTo}) starts it too. Each refresh also checks the proxy's readiness, so
 * {@code ready} and {@code proxy-unreachable} follow the proxy after start-up. Before the proxy is first ready, the
 * runtime's background wait updates the wait and readiness details. With {@code meshprobe.status.refresh=0} nothing
 * refreshes the snapshot in the background: there is only one taken on demand (by the {@code meshprobe} endpoint
 * when it has none), and readiness is what the last wait saw.
 *
 * <p>The adapters for Boot 4 ({@code org.springframework.boot.health.contributor}) and Boot 3.5
 * ({@code org.springframework.boot.actuate.health}) only copy it into their {@code Health}. Details arrive in
 * sections: proxy, readiness, start-up wait (and whether the app started without its proxy), quit, and under
 * {@code status} the library's status document ({@link StatusDocument}, the same fields as {@code doctor --json} and
 * the {@code meshprobe} endpoint).
 */
final class MeshProbeHealth {
  /** Up: the proxy is ready, or there is no proxy in the pod (no mesh, ambient mode): nothing to wait for. */
  static final String UP = "UP";
  /** Down: the proxy was ready and stopped answering (finding {@code proxy-unreachable}): outbound calls fail. */
  static final String DOWN = "DOWN";
  /** Out of service: a proxy is there and not ready (still starting, or quit). Readiness answers 503. */
  static final String OUT_OF_SERVICE = "OUT_OF_SERVICE";
  /** Unknown: nothing was looked at yet. */
  static final String UNKNOWN = "UNKNOWN";

  final String status;
  final Map<String, Object> details;

  private MeshProbeHealth(String status, Map<String, Object> details) {
    this.status = status;
    this.details = details;
  }

  /**
   * @param startupWait the start-up wait as the runtime saw it, kept after later background waits; {@code null} to use
   *     the probe's latest wait (a probe the starter did not wait with)
   */
  static MeshProbeHealth of(MeshProbe probe, @Nullable WaitResult startupWait) {
    Map<String, Object> details = new LinkedHashMap<>();
    Detection d = probe.lastDetection();
    if (d == null) {
      details.put("mesh", "unknown");
      details.put("message", "not checked yet");
      return new MeshProbeHealth(UNKNOWN, details);
    }
    boolean ready = probe.isReady();
    MeshStatus snapshot = probe.status();
    proxy(details, d, ready);
    waits(details, startupWait != null ? startupWait : probe.lastWait(), probe.lastWait(), ready);
    quit(details, probe.lastQuit());
    Finding unreachable = unreachable(snapshot);
    if (unreachable != null) {
      details.put("message", unreachable.message());
    }
    if (snapshot != null) {
      details.put("status", StatusDocument.toMap(snapshot));
    }
    String status = unreachable != null ? DOWN : !d.type().hasSidecar() || ready ? UP : OUT_OF_SERVICE;
    return new MeshProbeHealth(status, details);
  }

  private static @Nullable Finding unreachable(@Nullable MeshStatus snapshot) {
    if (snapshot == null) {
      return null;
    }
    for (Finding f : snapshot.findings()) {
      if (f.code().equals(FindingCodes.PROXY_UNREACHABLE)) {
        return f;
      }
    }
    return null;
  }

  private static void proxy(Map<String, Object> details, Detection d, boolean ready) {
    details.put("mesh", d.mesh());
    details.put("proxy", d.proxy());
    putIfPresent(details, "version", d.version());
    details.put("nativeSidecar", d.nativeSidecar());
    details.put("ready", d.type().hasSidecar() && ready);
    putIfPresent(details, "adminUrl", d.adminUrl());
    details.put("detectedBy", d.source());
  }

  /**
   * {@code wait}: the start-up wait. When it timed out, {@code startedWithoutProxy} says so plainly, even after a later
   * background wait found the proxy ready ({@code backgroundWait}).
   */
  private static void waits(Map<String, Object> details, @Nullable WaitResult startup, @Nullable WaitResult latest, boolean ready) {
    if (startup == null) {
      return;
    }
    details.put("wait", wait(startup));
    if (startup.outcome() == WaitOutcome.TIMED_OUT) {
      details.put("startedWithoutProxy", true);
      details.put(
          "message",
          "The app started without its proxy: the start-up wait timed out after "
              + startup.waited().toMillis()
              + " ms"
              + (ready ? "; the proxy has been ready since a later background wait." : "; still waiting for it in the background."));
    }
    if (latest != null && latest != startup) {
      details.put("backgroundWait", wait(latest));
    }
  }

  private static Map<String, Object> wait(WaitResult wait) {
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("outcome", wait.outcome().name());
    w.put("waited", wait.waited().toMillis() + "ms");
    w.put("message", wait.message());
    return w;
  }

  private static void quit(Map<String, Object> details, @Nullable QuitResult quit) {
    if (quit == null) {
      return;
    }
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("outcome", quit.outcome().name());
    q.put("message", quit.message());
    details.put("quit", q);
  }

  private static void putIfPresent(Map<String, Object> details, String key, @Nullable Object value) {
    if (value != null) {
      details.put(key, value);
    }
  }
}
