package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code meshprobe} health component, independent of the Boot generation: a status code and ordered details,
 * built from the probe's cached state only. No call to the proxy is ever made per health request; the status is
 * kept current by the runtime's background wait.
 *
 * <p>The adapters for Boot 4 ({@code org.springframework.boot.health.contributor}) and Boot 3.5
 * ({@code org.springframework.boot.actuate.health}) only copy it into their {@code Health}. Details arrive in
 * sections: proxy, readiness, start-up wait, quit; the diagnosis (mTLS mode, identity, certificate expiry, ports,
 * findings) becomes one more section once the library exposes it.
 */
final class MeshProbeHealth {
  /** Up: the proxy is ready, or there is no proxy in the pod (no mesh, ambient mode): nothing to wait for. */
  static final String UP = "UP";
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

  static MeshProbeHealth of(MeshProbe probe) {
    Map<String, Object> details = new LinkedHashMap<>();
    Detection d = probe.lastDetection();
    if (d == null) {
      details.put("mesh", "unknown");
      details.put("message", "not checked yet");
      return new MeshProbeHealth(UNKNOWN, details);
    }
    boolean ready = probe.isReady();
    proxy(details, d, ready);
    startupWait(details, probe.lastWait());
    quit(details, probe.lastQuit());
    String status = !d.type().hasSidecar() || ready ? UP : OUT_OF_SERVICE;
    return new MeshProbeHealth(status, details);
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

  private static void startupWait(Map<String, Object> details, @Nullable WaitResult wait) {
    if (wait == null) {
      return;
    }
    Map<String, Object> w = new LinkedHashMap<>();
    w.put("outcome", wait.outcome().name());
    w.put("waited", wait.waited().toMillis() + "ms");
    w.put("message", wait.message());
    details.put("wait", w);
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
