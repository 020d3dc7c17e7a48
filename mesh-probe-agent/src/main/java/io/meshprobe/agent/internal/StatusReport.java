package io.meshprobe.agent.internal;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.Severity;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The agent's word on the mesh status, on stderr: once the proxy is ready and the first status is read, one summary
 * line, e.g.
 *
 * <pre>mesh-probe: istio 1.22.3, mTLS PERMISSIVE, identity spiffe://cluster.local/ns/shop/sa/orders, certificate valid until 2026-12-02T09:14Z, ports 8080 HTTP/PERMISSIVE; 2 warnings (mtls-permissive, port-sniffed)</pre>
 *
 * then one line per ERROR finding. Later, one line per change (mTLS mode, certificate, ports, a finding that
 * appears or clears), never one per refresh. Started only with a sidecar, after the wait, so it costs the start-up
 * nothing: the status is read by the probe's background refresh (a daemon thread).
 */
final class StatusReport implements MeshProbeListener {
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm'Z'").withZone(ZoneOffset.UTC);

  private final MeshProbe probe;
  private @Nullable MeshStatus reported;

  private StatusReport(MeshProbe probe) {
    this.probe = probe;
  }

  /** Listens to the probe and starts its background status refresh (the first read happens there). */
  static void start(MeshProbe probe) {
    StatusReport r = new StatusReport(probe);
    probe.addListener(r);
    probe.startStatusRefresh();
    MeshStatus cached = probe.status();
    if (cached != null) {
      r.onStatus(cached);
    }
  }

  @Override
  public synchronized void onStatus(MeshStatus s) {
    if (reported == null) {
      if (!probe.isReady()) {
        return; // the summary waits for a proxy that is ready
      }
      AgentLog.info(summary(s));
      for (Finding f : s.findings()) {
        if (f.severity() == Severity.ERROR) {
          AgentLog.error(f.code() + ": " + f.message());
        }
      }
    } else {
      for (String line : changes(reported, s)) {
        AgentLog.info(line);
      }
    }
    reported = s;
  }

  static String summary(MeshStatus s) {
    StringBuilder out = new StringBuilder();
    out.append(s.proxy().mesh());
    if (s.proxy().version() != null) {
      out.append(' ').append(s.proxy().version());
    }
    out.append(", mTLS ").append(s.mtls().name());
    Identity id = s.identity();
    if (id != null && id.name() != null) {
      out.append(", identity ").append(id.name());
    }
    out.append(", ").append(certificate(id));
    out.append(", ").append(ports(s.ports()));
    out.append("; ").append(findings(s.findings()));
    return out.toString();
  }

  static List<String> changes(MeshStatus was, MeshStatus now) {
    List<String> out = new ArrayList<String>();
    if (was.mtls() != now.mtls()) {
      out.add("mTLS now " + now.mtls().name() + " (was " + was.mtls().name() + ")");
    }
    Instant before = notAfter(was.identity());
    Instant after = notAfter(now.identity());
    if (after != null ? !after.equals(before) : before != null) {
      out.add(certificate(now.identity()) + " (was " + (before == null ? "unknown" : MINUTE.format(before)) + ")");
    }
    if (!ports(was.ports()).equals(ports(now.ports()))) {
      out.add(ports(now.ports()) + " (was " + ports(was.ports()).replaceFirst("^ports ", "") + ")");
    }
    Map<String, Finding> old = byKey(was.findings());
    Map<String, Finding> cur = byKey(now.findings());
    for (Map.Entry<String, Finding> f : cur.entrySet()) {
      if (!old.containsKey(f.getKey())) {
        Finding x = f.getValue();
        out.add("new " + x.severity().name().toLowerCase(java.util.Locale.ROOT) + " finding " + x.code() + ": " + x.message());
      }
    }
    for (Map.Entry<String, Finding> f : old.entrySet()) {
      if (!cur.containsKey(f.getKey())) {
        out.add("finding cleared: " + f.getValue().code());
      }
    }
    return out;
  }

  private static Map<String, Finding> byKey(List<Finding> findings) {
    Map<String, Finding> out = new LinkedHashMap<String, Finding>();
    for (Finding f : findings) {
      out.put(f.code() + "|" + f.severity(), f);
    }
    return out;
  }

  private static @Nullable Instant notAfter(@Nullable Identity id) {
    return id == null ? null : id.notAfter();
  }

  private static String certificate(@Nullable Identity id) {
    Instant notAfter = notAfter(id);
    if (notAfter == null) {
      return "certificate unknown";
    }
    return (notAfter.isBefore(Instant.now()) ? "certificate EXPIRED at " : "certificate valid until ") + MINUTE.format(notAfter);
  }

  private static String ports(List<PortStatus> ports) {
    if (ports.isEmpty()) {
      return "no app ports known";
    }
    StringBuilder out = new StringBuilder("ports ");
    for (int i = 0; i < ports.size(); i++) {
      PortStatus p = ports.get(i);
      out.append(i == 0 ? "" : ", ").append(p.port()).append(' ').append(p.protocol().name()).append('/').append(p.mtls().name());
    }
    return out.toString();
  }

  private static String findings(List<Finding> findings) {
    List<String> errors = new ArrayList<String>();
    List<String> warnings = new ArrayList<String>();
    for (Finding f : findings) {
      if (f.severity() == Severity.ERROR && !errors.contains(f.code())) {
        errors.add(f.code());
      } else if (f.severity() == Severity.WARN && !warnings.contains(f.code())) {
        warnings.add(f.code());
      }
    }
    if (errors.isEmpty() && warnings.isEmpty()) {
      return "no warnings";
    }
    StringBuilder out = new StringBuilder();
    if (!errors.isEmpty()) {
      out.append(count(errors.size(), "error")).append(" (").append(join(errors)).append(')');
    }
    if (!warnings.isEmpty()) {
      out.append(out.length() == 0 ? "" : ", ").append(count(warnings.size(), "warning")).append(" (").append(join(warnings)).append(')');
    }
    return out.toString();
  }

  private static String count(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  private static String join(List<String> codes) {
    StringBuilder out = new StringBuilder();
    for (String c : codes) {
      out.append(out.length() == 0 ? "" : ", ").append(c);
    }
    return out.toString();
  }
}
