package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.PortStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code meshprobe} health component, independent of the Boot generation: a status code and ordered details,
 * built from the probe's cached state only. No call to the proxy is ever made per health request; the status is
 * kept current by the runtime's background wait.
 *
 * <p>The adapters for Boot 4 ({@code org.springframework.boot.health.contributor}) and Boot 3.5
 * ({@code org.springframework.boot.actuate.health}) only copy it into their {@code Health}. Details arrive in
 * sections: proxy, readiness, start-up wait, quit, and the diagnosis (mTLS mode, identity, certificate expiry, ports,
 * findings) from the library's cached status snapshot.
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
    MeshStatus snapshot;
    try {
      snapshot = probe.status();
    } catch (IllegalStateException closed) {
      snapshot = null; // the probe was closed (the app is going down): report what is known
    }
    proxy(details, d, ready);
    startupWait(details, probe.lastWait());
    quit(details, probe.lastQuit());
    diagnosis(details, snapshot);
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

  /**
   * The library's cached status snapshot: mTLS mode, identity and certificate expiry, the port table, findings.
   * {@link MeshProbe#status()} makes no call: its first use starts the library's background refresh
   * ({@code meshprobe.status.refresh}, 30 s), and until the first snapshot is in the section is absent.
   */
  private static void diagnosis(Map<String, Object> details, @Nullable MeshStatus status) {
    if (status == null) {
      return;
    }
    details.put("mtls", status.mtls().name());
    Identity identity = status.identity();
    if (identity != null) {
      putIfPresent(details, "identity", identity.name());
      Instant expiry = identity.notAfter();
      if (expiry != null) {
        details.put("certExpiry", expiry.toString());
      }
    }
    List<Map<String, Object>> ports = new ArrayList<>();
    for (PortStatus p : status.ports()) {
      Map<String, Object> port = new LinkedHashMap<>();
      port.put("port", p.port());
      port.put("protocol", p.protocol().name());
      port.put("mtls", p.mtls().name());
      port.put("intercepted", p.intercepted().name());
      ports.add(port);
    }
    details.put("ports", ports);
    List<Map<String, Object>> findings = new ArrayList<>();
    for (Finding f : status.findings()) {
      Map<String, Object> finding = new LinkedHashMap<>();
      finding.put("code", f.code());
      finding.put("severity", f.severity().name());
      finding.put("message", f.message());
      findings.add(finding);
    }
    details.put("findings", findings);
    details.put("statusTakenAt", status.takenAt().toString());
  }

  private static void putIfPresent(Map<String, Object> details, String key, @Nullable Object value) {
    if (value != null) {
      details.put(key, value);
    }
  }
}
