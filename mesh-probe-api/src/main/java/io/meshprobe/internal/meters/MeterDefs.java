package io.meshprobe.internal.meters;

import static io.meshprobe.internal.meters.MeterDef.keys;
import static io.meshprobe.internal.meters.MeterDef.lower;

import io.meshprobe.Detection;
import io.meshprobe.QuitOutcome;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import io.meshprobe.internal.meters.MeterDef.Kind;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.Tristate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The meter set, defined once. {@code docs/metrics.md}, the agent's and the starter's READMEs are tested against
 * this list ({@code MeterDocsTest}); Micrometer ({@code MeshProbeMetrics}, the agent's bridge), the agent's
 * Prometheus endpoint and its MXBean all export exactly these meters.
 *
 * <p>Tag values are lower case, except {@code meshprobe.mtls.mode}'s {@code mode}, which is the mode's own name
 * ({@code STRICT}, {@code PERMISSIVE}, {@code DISABLE}, {@code UNKNOWN}), as the status, {@code doctor} and the
 * health details write it. A value that is not known has no row: the meter is absent, never NaN.
 */
public final class MeterDefs {
  private MeterDefs() {}

  public static final MeterDef PROXY_INFO =
      new MeterDef(
          "meshprobe.proxy.info",
          Kind.GAUGE,
          null,
          "The pod's mesh proxy: always 1, the tags say which",
          keys("mesh", "proxy", "version"),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              Detection d = s.detection();
              if (d != null) {
                out.add(new MeterRow(1, d.mesh(), d.proxy(), d.version() == null ? "unknown" : d.version()));
              }
            }
          });

  public static final MeterDef PROXY_READY =
      new MeterDef(
          "meshprobe.proxy.ready",
          Kind.GAUGE,
          null,
          "1 when the mesh proxy was last seen ready, else 0",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              out.add(new MeterRow(s.isReady() ? 1 : 0));
            }
          });

  public static final MeterDef WAIT_TIME =
      new MeterDef(
          "meshprobe.proxy.wait.time",
          Kind.TIME_GAUGE,
          "seconds",
          "How long the wait for the mesh proxy took, per outcome (the first wait of each outcome)",
          keys("mesh", "outcome"),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              for (WaitResult w : s.waits()) {
                out.add(new MeterRow(w.waited().toNanos() / 1e9, w.detection().mesh(), lower(w.outcome())));
              }
            }
          });

  public static final MeterDef QUIT =
      new MeterDef(
          "meshprobe.proxy.quit",
          Kind.FUNCTION_COUNTER,
          null,
          "Requests to the mesh proxy to quit, by outcome",
          keys("mesh", "outcome"),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              QuitResult q = s.quit();
              String mesh = mesh(s.detection());
              for (QuitOutcome o : QuitOutcome.values()) {
                out.add(new MeterRow(q != null && q.outcome() == o ? 1 : 0, mesh, lower(o)));
              }
            }
          });

  public static final MeterDef MTLS_ENABLED =
      new MeterDef(
          "meshprobe.mtls.enabled",
          Kind.GAUGE,
          null,
          "1 when the mesh proxy accepts inbound mTLS (STRICT or PERMISSIVE), 0 when DISABLE; absent when unknown",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              MeshStatus st = s.status();
              if (st != null && st.mtls() != MtlsMode.UNKNOWN) {
                out.add(new MeterRow(st.mtls() == MtlsMode.DISABLE ? 0 : 1));
              }
            }
          });

  public static final MeterDef MTLS_MODE =
      new MeterDef(
          "meshprobe.mtls.mode",
          Kind.GAUGE,
          null,
          "The workload's inbound mTLS mode: 1 for the current mode (STRICT, PERMISSIVE, DISABLE or UNKNOWN), other modes absent",
          keys("mode"),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              MeshStatus st = s.status();
              if (st != null) {
                out.add(new MeterRow(1, st.mtls().name()));
              }
            }
          });

  public static final MeterDef PLAINTEXT_SHARE =
      new MeterDef(
          "meshprobe.mtls.plaintext.share",
          Kind.GAUGE,
          null,
          "Share (0 to 1) of inbound app connections or requests the proxy saw without mTLS; absent when its counters do not tell",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              MeshStatus st = s.status();
              Double share = st == null ? null : st.observedMtlsShare();
              if (share != null && !share.isNaN()) {
                out.add(new MeterRow(Math.max(0, Math.min(1, 1 - share))));
              }
            }
          });

  public static final MeterDef IDENTITY_INFO =
      new MeterDef(
          "meshprobe.identity.info",
          Kind.GAUGE,
          null,
          "The workload identity: always 1, the tag says which",
          keys("identity"),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              Identity id = identity(s);
              if (id != null && id.name() != null) {
                out.add(new MeterRow(1, id.name()));
              }
            }
          });

  public static final MeterDef CERT_EXPIRATION =
      new MeterDef(
          "meshprobe.identity.cert.expiration.timestamp",
          Kind.GAUGE,
          "seconds",
          "When the workload certificate expires, in seconds since the epoch",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              Identity id = identity(s);
              Instant notAfter = id == null ? null : id.notAfter();
              if (notAfter != null) {
                out.add(new MeterRow(notAfter.getEpochSecond()));
              }
            }
          });

  public static final MeterDef PORT_INFO =
      new MeterDef(
          "meshprobe.port.info",
          Kind.GAUGE,
          null,
          "How the mesh proxy treats each app port: always 1, the tags say how",
          keys("port", "protocol", "mtls"),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              MeshStatus st = s.status();
              if (st != null) {
                for (PortStatus p : st.ports()) {
                  out.add(new MeterRow(1, Integer.toString(p.port()), lower(p.protocol()), lower(p.mtls())));
                }
              }
            }
          });

  public static final MeterDef FINDINGS =
      new MeterDef(
          "meshprobe.findings",
          Kind.GAUGE,
          null,
          "Mesh set-up findings, by code and severity",
          keys("code", "severity"),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              MeshStatus st = s.status();
              if (st == null) {
                return;
              }
              Map<List<String>, Integer> counts = new LinkedHashMap<List<String>, Integer>();
              for (Finding f : st.findings()) {
                List<String> key = Arrays.asList(f.code(), lower(f.severity()));
                Integer n = counts.get(key);
                counts.put(key, n == null ? 1 : n + 1);
              }
              for (Map.Entry<List<String>, Integer> c : counts.entrySet()) {
                out.add(new MeterRow(c.getValue(), c.getKey().get(0), c.getKey().get(1)));
              }
            }
          });

  public static final MeterDef CONTROLPLANE_CONNECTED =
      new MeterDef(
          "meshprobe.controlplane.connected",
          Kind.GAUGE,
          null,
          "1 when the mesh proxy is connected to its control plane, 0 when not; absent when unknown",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              tristate(health(s).controlPlaneConnected(), out);
            }
          });

  public static final MeterDef CONFIG_LAST_UPDATE =
      new MeterDef(
          "meshprobe.config.last.update.timestamp",
          Kind.GAUGE,
          "seconds",
          "When the mesh proxy last accepted a config update, in seconds since the epoch",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              Instant t = health(s).lastConfigUpdate();
              if (t != null) {
                out.add(new MeterRow(t.toEpochMilli() / 1000.0));
              }
            }
          });

  public static final MeterDef CONFIG_REJECTED =
      new MeterDef(
          "meshprobe.config.rejected",
          Kind.FUNCTION_COUNTER,
          null,
          "Config updates the mesh proxy rejected since it started",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              number(health(s).configRejected(), out);
            }
          });

  public static final MeterDef PROXY_MEMORY =
      new MeterDef(
          "meshprobe.proxy.memory",
          Kind.GAUGE,
          "bytes",
          "Memory of the mesh proxy's processes (Envoy + pilot-agent, or linkerd2-proxy)",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              number(health(s).memoryBytes(), out);
            }
          });

  public static final MeterDef PROXY_CPU =
      new MeterDef(
          "meshprobe.proxy.cpu",
          Kind.FUNCTION_COUNTER,
          "seconds",
          "CPU time the mesh proxy's processes used, where they tell it",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              number(health(s).cpuSeconds(), out);
            }
          });

  public static final MeterDef QUIT_AVAILABLE =
      new MeterDef(
          "meshprobe.quit.available",
          Kind.GAUGE,
          null,
          "1 when quitting the mesh proxy would work, 0 when it would not (a Job would hang); absent when unknown",
          keys(),
          new MeterDef.Rows() {
            @Override
            public void read(MeterSource s, List<MeterRow> out) {
              tristate(health(s).quitAvailable(), out);
            }
          });

  /** Every meter, in the order of {@code docs/metrics.md}. */
  public static final List<MeterDef> ALL =
      Collections.unmodifiableList(
          Arrays.asList(
              PROXY_INFO,
              PROXY_READY,
              WAIT_TIME,
              QUIT,
              MTLS_ENABLED,
              MTLS_MODE,
              PLAINTEXT_SHARE,
              IDENTITY_INFO,
              CERT_EXPIRATION,
              PORT_INFO,
              FINDINGS,
              CONTROLPLANE_CONNECTED,
              CONFIG_LAST_UPDATE,
              CONFIG_REJECTED,
              PROXY_MEMORY,
              PROXY_CPU,
              QUIT_AVAILABLE));

  /** The meter of that Micrometer name, or {@code null}. */
  public static @Nullable MeterDef byName(String name) {
    for (MeterDef d : ALL) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }

  static String mesh(@Nullable Detection d) {
    return d == null ? "none" : d.mesh();
  }

  private static @Nullable Identity identity(MeterSource s) {
    MeshStatus st = s.status();
    return st == null ? null : st.identity();
  }

  private static ProxyHealth health(MeterSource s) {
    MeshStatus st = s.status();
    return st == null ? ProxyHealth.UNKNOWN : st.health();
  }

  private static void tristate(Tristate t, List<MeterRow> out) {
    if (t != Tristate.UNKNOWN) {
      out.add(new MeterRow(t == Tristate.YES ? 1 : 0));
    }
  }

  private static void number(@Nullable Number n, List<MeterRow> out) {
    if (n != null && !Double.isNaN(n.doubleValue())) {
      out.add(new MeterRow(n.doubleValue()));
    }
  }
}
