package io.meshprobe.internal.status;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Reads a Prometheus text scrape line by line (never the whole body at once): Linkerd's {@code /metrics}
 * (certificate expiry, build info, inbound TLS labels, default policy) and Istio's standard metrics
 * ({@code connection_security_policy} on the destination side).
 */
public final class PromText {
  /** Linkerd's own ports (admin, inbound, outbound, control): traffic to them is not app traffic. */
  private static final int[] LINKERD_PORTS = {4140, 4143, 4190, 4191};

  /** Families that count inbound traffic with TLS labels, best first: connections, then requests, then authz. */
  private static final String[] FAMILIES = {
    "tcp_open_total", "request_total", "inbound_http_authz_allow_total", "istio_tcp_connections_opened_total", "istio_requests_total"
  };

  private PromText() {}

  /** What a text payload turned out to be. */
  public enum Format {
    PROMETHEUS,
    /** Envoy's plain {@code /stats}: {@code name: value} lines. */
    ENVOY_STATS,
    UNRECOGNISED
  }

  /** Reads a scrape into {@code e} and says what the text was. */
  public static Format read(Reader in, Evidence e) throws IOException {
    return read(in, e, true);
  }

  /**
   * Reads a scrape into {@code e} and says what the text was.
   *
   * @param traffic whether to take its inbound traffic counters; false for pilot-agent's merged {@code :15020} output,
   *     which repeats Envoy's {@code istio_*} series already read from the admin API (they would count twice)
   */
  public static Format read(Reader in, Evidence e, boolean traffic) throws IOException {
    BufferedReader r = in instanceof BufferedReader ? (BufferedReader) in : new BufferedReader(in, 16384);
    Map<String, Map<Integer, long[]>> byFamily = new HashMap<>();
    Map<String, Map<Evidence.Peer, Long>> peersByFamily = new HashMap<>();
    boolean any = false;
    boolean envoyStats = false;
    String line;
    while ((line = r.readLine()) != null) {
      if (line.isEmpty() || line.charAt(0) == '#') {
        any |= line.startsWith("# TYPE") || line.startsWith("# HELP");
        continue;
      }
      Sample s = Sample.parse(line);
      if (s == null) {
        continue;
      }
      if (s.name.endsWith(":")) {
        envoyStats = true;
        e.envoyStats.put(s.name.substring(0, s.name.length() - 1), s.value);
        continue;
      }
      any = true;
      String name = s.name;
      if (name.equals("identity_cert_expiration_timestamp_seconds") || name.equals("control_identity_cert_expiration_timestamp_seconds")) {
        e.linkerdMetrics = true;
        e.linkerdCertExpiry = s.value;
      } else if (name.equals("process_resident_memory_bytes") && s.labels.isEmpty()) {
        e.processRss = s.value;
        e.processRssSamples++;
      } else if (name.equals("process_cpu_seconds_total") && s.labels.isEmpty()) {
        e.processCpu = s.value;
      } else if (name.equals("control_response_total")) {
        // linkerd2-proxy's control-plane client (destination, policy, identity): classification success|failure.
        e.linkerdControlSeen = true;
        e.linkerdControl["failure".equals(s.labels.get("classification")) ? 1 : 0] += (long) s.value;
      } else if (name.equals("proxy_build_info")) {
        e.linkerdMetrics = true;
        String v = s.labels.get("version");
        if (v == null) {
          String git = s.labels.get("git_version");
          v = git != null && git.length() > 1 && git.charAt(0) == 'v' && Character.isDigit(git.charAt(1)) ? git : null;
        }
        if (v != null) {
          e.linkerdProxyVersion = v;
        }
      }
      for (String family : FAMILIES) {
        if (name.equals(family)) {
          count(s, family, byFamily, peersByFamily, e);
        }
      }
      if (traffic && (name.equals("inbound_http_authz_allow_total") || name.equals("inbound_tcp_authz_allow_total"))) {
        authorized(s, e);
      }
    }
    // Linkerd: the first family with data (connections, else requests, else authz), as each counts the same traffic.
    // Istio: TCP connections and HTTP requests together: the stats filter counts a port's traffic in one or the other
    // (tcp_proxy chains vs HTTP connection manager chains), never both.
    for (String family : traffic ? FAMILIES : new String[0]) {
      Map<Integer, long[]> counts = byFamily.get(family);
      if (counts != null && !counts.isEmpty()) {
        Map<Evidence.Peer, Long> peers = peersByFamily.get(family);
        if (peers != null) {
          for (Map.Entry<Evidence.Peer, Long> p : peers.entrySet()) {
            Long old = e.plaintextPeers.get(p.getKey());
            e.plaintextPeers.put(p.getKey(), (old == null ? 0 : old) + p.getValue());
          }
        }
        for (Map.Entry<Integer, long[]> c : counts.entrySet()) {
          e.observe(c.getKey(), true, c.getValue()[0]);
          e.observe(c.getKey(), false, c.getValue()[1]);
        }
        boolean istio = family.startsWith("istio_");
        e.observedFrom = e.observedFrom == null || e.observedFrom.equals(family) ? family : e.observedFrom + "+" + family;
        if (!istio) {
          break;
        }
      }
    }
    return any ? Format.PROMETHEUS : envoyStats ? Format.ENVOY_STATS : Format.UNRECOGNISED;
  }

  private static void count(
      Sample s, String family, Map<String, Map<Integer, long[]>> byFamily, Map<String, Map<Evidence.Peer, Long>> peersByFamily, Evidence e) {
    Boolean mtls;
    int port;
    Evidence.Peer peer;
    if (family.startsWith("istio_")) {
      if (!"destination".equals(s.labels.get("reporter"))) {
        return;
      }
      e.istioSidecarStats = true; // only a sidecar reports as the destination (gateways: source; waypoints: waypoint)
      String policy = s.labels.get("connection_security_policy");
      mtls = "mutual_tls".equals(policy) ? Boolean.TRUE : "none".equals(policy) ? Boolean.FALSE : null;
      port = 0; // Istio's standard metrics carry no port.
      // istio/proxy istio_stats.cc: the destination side names the client from the metadata exchange ("unknown" for
      // a client without a sidecar); source_principal is the peer certificate's URI SAN ("unknown" in plaintext).
      peer = new Evidence.Peer(null, s.labels.get("source_workload"), s.labels.get("source_workload_namespace"), s.labels.get("source_principal"));
    } else {
      if (!family.startsWith("inbound_") && !"inbound".equals(s.labels.get("direction"))) {
        return;
      }
      port = port(s.labels.get("target_port"));
      for (int p : LINKERD_PORTS) {
        if (p == port) {
          policyFromLabels(s, e);
          return;
        }
      }
      policyFromLabels(s, e);
      e.linkerdMetrics = true;
      String tls = s.labels.get("tls");
      if ("true".equals(tls)) {
        mtls = Boolean.TRUE;
      } else if (("no_identity".equals(tls) && !"loopback".equals(s.labels.get("no_tls_reason"))) || "disabled".equals(tls)) {
        mtls = Boolean.FALSE;
      } else {
        mtls = null; // opaque passthrough, loopback, or no label
      }
      // linkerd2-proxy labels an unauthenticated client with nothing but the port it reached (no client_id, no address).
      peer = new Evidence.Peer(port, null, null, null);
    }
    if (mtls == null || s.value <= 0) {
      return;
    }
    Map<Integer, long[]> counts = byFamily.get(family);
    if (counts == null) {
      counts = new TreeMap<>();
      byFamily.put(family, counts);
    }
    long[] c = counts.get(port);
    if (c == null) {
      c = new long[2];
      counts.put(port, c);
    }
    c[mtls ? 0 : 1] += (long) s.value;
    if (!mtls) {
      Map<Evidence.Peer, Long> peers = peersByFamily.get(family);
      if (peers == null) {
        peers = new java.util.LinkedHashMap<>();
        peersByFamily.put(family, peers);
      }
      Long old = peers.get(peer);
      peers.put(peer, (old == null ? 0 : old) + (long) s.value);
    }
  }

  /**
   * linkerd2-proxy (since 2.11) counts what its inbound policy let through: {@code inbound_http_authz_allow_total}
   * (requests) and {@code inbound_tcp_authz_allow_total} (connections). {@code tcp_open_total} and
   * {@code request_total} count refused plaintext too, so only these prove plaintext was accepted.
   */
  private static void authorized(Sample s, Evidence e) {
    e.linkerdAuthz = true;
    int port = port(s.labels.get("target_port"));
    String tls = s.labels.get("tls");
    boolean plain = ("no_identity".equals(tls) && !"loopback".equals(s.labels.get("no_tls_reason"))) || "disabled".equals(tls);
    if (!plain || s.value <= 0 || port == 0) {
      return;
    }
    Long old = e.linkerdAcceptedPlain.get(port);
    e.linkerdAcceptedPlain.put(port, (old == null ? 0 : old) + (long) s.value);
  }

  /** Linkerd labels the default policy: {@code srv_kind="default",srv_name="all-unauthenticated"} or, in 2021, {@code srv_name="default:all-unauthenticated"}. */
  private static void policyFromLabels(Sample s, Evidence e) {
    String srv = s.labels.get("srv_name");
    if (srv == null) {
      return;
    }
    if (srv.startsWith("default:")) {
      e.linkerdDefaultPolicyFromMetrics = srv.substring("default:".length());
    } else if ("default".equals(s.labels.get("srv_kind"))) {
      e.linkerdDefaultPolicyFromMetrics = srv;
    }
  }

  private static int port(@Nullable String value) {
    if (value == null) {
      return 0;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException ex) {
      return 0;
    }
  }

  /** One sample line: {@code name{label="value",…} value [timestamp]}. */
  static final class Sample {
    final String name;
    final Map<String, String> labels;
    final double value;

    Sample(String name, Map<String, String> labels, double value) {
      this.name = name;
      this.labels = labels;
      this.value = value;
    }

    static @Nullable Sample parse(String line) {
      int i = 0;
      int n = line.length();
      while (i < n && line.charAt(i) != '{' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
        i++;
      }
      String name = line.substring(0, i);
      if (!validName(name)) {
        return null;
      }
      Map<String, String> labels = new HashMap<>();
      if (i < n && line.charAt(i) == '{') {
        i++;
        while (i < n && line.charAt(i) != '}') {
          int eq = line.indexOf('=', i);
          if (eq < 0 || eq + 1 >= n || line.charAt(eq + 1) != '"') {
            return null;
          }
          String key = line.substring(i, eq).trim();
          StringBuilder v = new StringBuilder();
          int j = eq + 2;
          while (j < n && line.charAt(j) != '"') {
            char c = line.charAt(j);
            if (c == '\\' && j + 1 < n) {
              char d = line.charAt(++j);
              v.append(d == 'n' ? '\n' : d);
            } else {
              v.append(c);
            }
            j++;
          }
          labels.put(key, v.toString());
          i = j + 1;
          if (i < n && line.charAt(i) == ',') {
            i++;
          }
        }
        i++;
      }
      String rest = i < n ? line.substring(i).trim() : "";
      String[] parts = rest.split("\\s+");
      if (parts.length > 2) {
        return null; // value and optional timestamp only
      }
      try {
        if (parts.length == 2) {
          Long.parseLong(parts[1]);
        }
        return new Sample(name, labels, Double.parseDouble(parts[0]));
      } catch (NumberFormatException ex) {
        return null;
      }
    }

    /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, plus Envoy's plain-stats {@code name.with.dots:}. */
    private static boolean validName(String name) {
      if (name.isEmpty()) {
        return false;
      }
      for (int k = 0; k < name.length(); k++) {
        char c = name.charAt(k);
        boolean ok = c == '_' || c == ':' || c == '.' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (k > 0 && c >= '0' && c <= '9');
        if (!ok) {
          return false;
        }
      }
      return true;
    }
  }
}
