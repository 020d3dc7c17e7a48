package io.meshprobe.internal.status;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.internal.AdminHttp;
import io.meshprobe.status.MeshStatus;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads the live status from the pod's proxy with the probe's admin client (streamed into the parsers, capped, bounded
 * by one budget for the whole read) and derives a {@link MeshStatus}.
 *
 * <p>Envoy / Istio: {@code /server_info} (node, version), then the inbound listener only:
 * {@code /config_dump?resource=dynamic_listeners&name_regex=virtualInbound}, falling back to
 * {@code ?mask=dynamic_listeners,static_listeners} and then the whole dump (old Envoys, pre-1.3 per-IP listeners);
 * then {@code /certs}, and Istio's secrets dump when {@code /certs} names no workload certificate; then Istio's
 * standard metrics for the observed mTLS share. Linkerd: {@code /env.json} and {@code /metrics}.
 */
public final class StatusFetcher {
  /**
   * System property through which the agent tells which ports this JVM listens on (comma-separated). The agent
   * may update it while the app opens ports; it is read on every refresh.
   */
  public static final String LISTEN_PORTS_PROPERTY = "meshprobe.agent.listening-ports";

  static final String INBOUND_ONLY = "/config_dump?resource=dynamic_listeners&name_regex=virtualInbound";
  static final String LISTENERS_ONLY = "/config_dump?mask=dynamic_listeners,static_listeners";
  static final String WHOLE_DUMP = "/config_dump";
  static final String SECRETS_ONLY = "/config_dump?mask=dynamic_active_secrets";
  static final String ISTIO_STATS = "/stats/prometheus?usedonly&filter=istio_(requests|tcp_connections_opened)_total";
  /**
   * Envoy's own health stats, asked the way pilot-agent's readiness probe asks ({@code usedonly} + an RE2
   * {@code filter}): control-plane connection, LDS/CDS rejections, last update time, successful updates and initial
   * fetch timeouts (a proxy that never got its configuration), memory.
   */
  static final String HEALTH_FILTER =
      "^(control_plane\\.connected_state|(listener_manager\\.lds|cluster_manager\\.cds)\\.(update_rejected|update_time|update_success|init_fetch_timeout)"
          + "|server\\.memory_(allocated|heap_size|physical_size))$";
  static final String ENVOY_STATS = "/stats?usedonly&filter=" + encode(HEALTH_FILTER);
  /** Only the listeners, each reduced to its name and error state (asked only when Envoy counted a rejection). */
  static final String LISTENER_ERRORS = "/config_dump?resource=dynamic_listeners&mask=name,error_state";

  private final AdminHttp http;
  private final String istioAdminUrl;
  private final String istioStatusUrl;
  private final String linkerdAdminUrl;
  private final long memoryBudget;
  private final Duration budget;
  /** {@link System#nanoTime()} by which the current {@link #fetch} must end. */
  private long deadline;
  /** The traffic counters of the previous read, so plaintext can be told as a rate (recent) as well as since start. */
  private Evidence.@Nullable Traffic lastTraffic;
  /** Whether any request of the current {@link #fetch} got an HTTP answer (any status). */
  private boolean answered;
  /** Whether the last failed request had its connection refused: nothing listens on that port. */
  private boolean lastRefused;

  /**
   * @param budget upper bound of one whole {@link #fetch}, every request included; requests that would start after it
   *     are skipped with a note
   */
  public StatusFetcher(
      AdminHttp http, String istioAdminUrl, String istioStatusUrl, String linkerdAdminUrl, long memoryBudget, Duration budget) {
    this.http = http;
    this.istioAdminUrl = istioAdminUrl;
    this.istioStatusUrl = istioStatusUrl;
    this.linkerdAdminUrl = linkerdAdminUrl;
    this.memoryBudget = memoryBudget;
    this.budget = budget;
  }

  private static String encode(String s) {
    try {
      return java.net.URLEncoder.encode(s, "UTF-8");
    } catch (java.io.UnsupportedEncodingException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Reads what the proxy of {@code d} tells and derives the status. Never throws for an unreachable proxy: notes say what failed. */
  public MeshStatus fetch(Detection d, Derivation.AppPorts ports) {
    return read(d, ports).status;
  }

  /** What one {@link #read} found: the status, and whether the proxy's admin API answered at all. */
  public static final class Reading {
    public final MeshStatus status;
    /**
     * Some request got an HTTP answer (any status). False when every request was refused, reset or timed out, or no
     * request was made (no proxy, or an Envoy whose admin API is unknown).
     */
    public final boolean answered;

    Reading(MeshStatus status, boolean answered) {
      this.status = status;
      this.answered = answered;
    }
  }

  /** Like {@link #fetch}, and tells whether the proxy answered at all (for the liveness rule). */
  public synchronized Reading read(Detection d, Derivation.AppPorts ports) {
    deadline = System.nanoTime() + budget.toNanos();
    answered = false;
    Evidence e = new Evidence();
    switch (d.type()) {
      case ISTIO_SIDECAR:
        envoy(istioAdminUrl, true, e);
        break;
      case ENVOY:
        String admin = d.adminUrl();
        if (admin == null) {
          e.note("the Envoy admin API was not found");
        } else {
          envoy(admin, false, e);
        }
        break;
      case LINKERD:
        read(linkerdAdminUrl + "/env.json", e);
        read(linkerdAdminUrl + "/metrics", e);
        break;
      default:
        break;
    }
    e.previous(lastTraffic);
    Instant now = Instant.now();
    MeshStatus s = Derivation.derive(e, d, ports, now, memoryBudget);
    Evidence.Traffic t = e.traffic(now);
    if (t != null) {
      lastTraffic = t;
    }
    return new Reading(s, answered);
  }

  private void envoy(String admin, boolean istio, Evidence e) {
    read(admin + "/server_info", e);
    for (String query : new String[] {INBOUND_ONLY, LISTENERS_ONLY, WHOLE_DUMP}) {
      if (read(admin + query, e) && (e.virtualInbound != null || !e.perIpInbound.isEmpty())) {
        break;
      }
    }
    read(admin + "/certs", e);
    if (istio && (e.cert == null || e.cert.identity == null)) {
      read(admin + SECRETS_ONLY, e);
    }
    if (istio) {
      read(admin + ISTIO_STATS, e);
    }
    if (read(admin + ENVOY_STATS, e) && rejectedCount(e) > 0 && e.rejected.isEmpty()) {
      read(admin + LISTENER_ERRORS, e);
    }
    if (istio) {
      // pilot-agent's merged metrics: its own process_* series, and the proof that the quit port answers. A silent
      // status port says "quit unavailable" only when Envoy answered: when the whole sidecar is silent, the cause is
      // a dead or restarting proxy, not the status.sidecar.istio.io/port annotation, so the quit path stays unknown.
      // Only a refused connection says "nothing listens there", which is what the annotation does; a timeout says
      // nothing about the port (a loaded pod), so it leaves the quit path unknown too.
      boolean envoyAnswered = answered;
      boolean quitPort = answers(istioStatusUrl + "/stats/prometheus", e);
      e.quitAnswered = quitPort ? Boolean.TRUE : envoyAnswered && lastRefused ? Boolean.FALSE : null;
    } else {
      e.quitAnswered = answered ? Boolean.TRUE : null;
    }
  }

  private static long rejectedCount(Evidence e) {
    long n = 0;
    for (String sub : Derivation.SUBSCRIPTIONS) {
      Double r = e.envoyStats.get(sub + ".update_rejected");
      n += r == null ? 0 : r.longValue();
    }
    return n;
  }

  /** Reads a URL like {@link #read}; true if the server answered at all (any HTTP status), false if it did not. */
  private boolean answers(String url, Evidence e) {
    boolean before = answered;
    answered = false;
    lastRefused = false;
    read(url, e);
    boolean now = answered;
    answered = before || now;
    return now;
  }

  /**
   * Whether a failed request still got an answer from the proxy: anything but a refused, reset or timed-out
   * connection (an HTTP error status, a body over the cap, a payload that does not parse).
   */
  static boolean answeredDespite(IOException ex) {
    return !(ex instanceof java.net.ConnectException
        || ex instanceof java.net.SocketException
        || ex instanceof java.io.InterruptedIOException
        || ex instanceof java.net.UnknownHostException
        || ex instanceof java.net.NoRouteToHostException);
  }

  /** GETs one payload into the evidence; a failure becomes a note. */
  private boolean read(final String url, final Evidence e) {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      e.note("GET " + url + ": skipped, the status read took its whole budget of " + budget.toMillis() + " ms");
      return false;
    }
    try {
      http.get(
          url,
          Duration.ofNanos(left),
          body -> {
            if (url.endsWith("/metrics") || url.contains("/stats/prometheus") || url.contains("/stats?")) {
              // pilot-agent's merged metrics repeat Envoy's istio_* series: taken only when the admin API gave none.
              PromText.read(
                  new InputStreamReader(body, StandardCharsets.UTF_8), e, e.observedFrom == null || !url.startsWith(istioStatusUrl + "/"));
            } else {
              JsonPayloads.read(body, e);
            }
            return null;
          });
      e.sources.add(url);
      answered = true;
      return true;
    } catch (IOException ex) {
      answered |= answeredDespite(ex);
      lastRefused = ex instanceof java.net.ConnectException;
      e.note("GET " + url + ": " + AdminHttp.describe(ex));
      return false;
    } catch (RuntimeException ex) {
      answered = true; // the body did not parse: something answered
      e.note("GET " + url + ": " + ex);
      return false;
    }
  }

  /** Ports from a comma-separated list; junk is ignored. */
  public static List<Integer> parsePorts(@Nullable String csv) {
    if (csv == null || csv.trim().isEmpty()) {
      return Collections.emptyList();
    }
    List<Integer> out = new ArrayList<>();
    for (int p : Derivation.ports(csv)) {
      if (p > 0 && p < 65536) {
        out.add(p);
      }
    }
    return out;
  }

  /** The JVM's listening ports as last published by the agent ({@value #LISTEN_PORTS_PROPERTY}). */
  public static List<Integer> listenPorts() {
    return parsePorts(System.getProperty(LISTEN_PORTS_PROPERTY));
  }

  static boolean isLinkerd(Detection d) {
    return d.type() == MeshType.LINKERD;
  }
}
