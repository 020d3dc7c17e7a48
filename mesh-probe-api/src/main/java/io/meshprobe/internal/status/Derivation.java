package io.meshprobe.internal.status;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.internal.NodeInfo;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyInfo;
import io.meshprobe.status.Severity;
import io.meshprobe.status.Tristate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@link Evidence} into a {@link MeshStatus}: the derivation rules of {@code docs/diagnosis.md}. Pure: the
 * same evidence, ports and clock give the same status.
 */
public final class Derivation {
  /** Istio's own ports (istio.io "Ports used by Istio"): never app ports. */
  static final int[] ISTIO_PORTS = {15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090};

  static final int[] LINKERD_PORTS = {4140, 4143, 4190, 4191};

  static final String EXCLUDE_INBOUND = "traffic.sidecar.istio.io/excludeInboundPorts";
  static final String INCLUDE_INBOUND = "traffic.sidecar.istio.io/includeInboundPorts";
  static final String ISTIO_STATUS = "sidecar.istio.io/status";

  static final String L_IDENTITY = "LINKERD2_PROXY_IDENTITY_LOCAL_NAME";
  static final String L_POLICY = "LINKERD2_PROXY_INBOUND_DEFAULT_POLICY";
  static final String L_PORTS = "LINKERD2_PROXY_INBOUND_PORTS";
  static final String L_OPAQUE = "LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION";
  static final String L_REQUIRE_ID = "LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY";
  static final String L_REQUIRE_TLS = "LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_TLS";
  static final String L_SHUTDOWN = "LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED";

  /** Below this share of its lifetime left (or an hour, if the start is unknown) a certificate "expires soon". */
  static final double SOON_SHARE = 0.2;

  private Derivation() {}

  /** The app ports in force and where they came from. */
  public static final class AppPorts {
    final List<Integer> configured;
    final List<Integer> listening;

    /**
     * @param configured {@code meshprobe.ports}, may be empty
     * @param listening the ports this JVM listens on (fed by the agent), may be empty
     */
    public AppPorts(List<Integer> configured, List<Integer> listening) {
      this.configured = configured;
      this.listening = listening;
    }

    public static AppPorts none() {
      return new AppPorts(Collections.<Integer>emptyList(), Collections.<Integer>emptyList());
    }
  }

  public static MeshStatus derive(Evidence e, @Nullable Detection d, AppPorts appPorts, Instant now) {
    ProxyInfo proxy = proxy(e, d);
    MeshStatus.Builder b = MeshStatus.builder(proxy, now);
    for (String note : e.notes) {
      b.note(note);
    }
    String kind = proxy.kind();
    if (kind.equals("none")) {
      b.finding(
          new Finding(
              "no-sidecar",
              Severity.WARN,
              "No mesh proxy in this pod. Usual causes: the namespace is not labelled for injection (istio-injection=enabled"
                  + " / linkerd.io/inject: enabled), the pod says inject \"false\", the pod is older than the injection"
                  + " (restart it), or the injection webhook is down."));
      return b.build();
    }
    if (kind.equals("ztunnel")) {
      b.finding(
          new Finding(
              "ambient",
              Severity.INFO,
              "Istio ambient: there is no sidecar; the ztunnel on the node carries mTLS and the identity, so nothing in"
                  + " the pod needs waiting for or quitting."));
      return b.build();
    }
    if (kind.equals("gateway") || kind.equals("waypoint")) {
      b.finding(
          new Finding(
              "not-a-sidecar",
              Severity.WARN,
              "This Envoy is an Istio " + kind + " (node id " + e.nodeId + "), not a sidecar: it has no app ports to report;"
                  + " take the dump from the app pod's istio-proxy instead."));
      return b.build();
    }
    Identity identity = identity(e);
    b.identity(identity);
    if (kind.equals("linkerd2-proxy")) {
      linkerd(e, appPorts, b);
    } else {
      envoy(e, appPorts, b);
    }
    certFindings(identity, now, b);
    if (proxy.nativeSidecar() == Tristate.YES) {
      b.finding(
          new Finding(
              "native-sidecar",
              Severity.INFO,
              "The proxy runs as a native sidecar: Kubernetes stops it after the app containers exit, so no quit is needed"
                  + " (mesh-probe skips it)."));
    } else if (kind.equals("linkerd2-proxy") && e.linkerdEnv != null && !"true".equalsIgnoreCase(e.linkerdEnv.get(L_SHUTDOWN))) {
      b.finding(
          new Finding(
              "linkerd-shutdown-disabled",
              Severity.WARN,
              "Linkerd's /shutdown endpoint is disabled (the default since edge-24.6.2), so a Job's pod hangs after the app"
                  + " exits; add the pod annotation config.linkerd.io/proxy-admin-shutdown: enabled."));
    }
    return b.build();
  }

  /** The same finding when a live quit was refused by a disabled Linkerd shutdown endpoint. */
  public static Finding linkerdShutdownDisabled() {
    return new Finding(
        "linkerd-shutdown-disabled",
        Severity.WARN,
        "Linkerd's /shutdown endpoint is disabled (the default since edge-24.6.2), so a Job's pod hangs after the app"
            + " exits; add the pod annotation config.linkerd.io/proxy-admin-shutdown: enabled.");
  }

  static ProxyInfo proxy(Evidence e, @Nullable Detection d) {
    if (e.ztunnel || (d != null && d.type() == MeshType.ISTIO_AMBIENT && !e.envoySeen())) {
      return new ProxyInfo("ztunnel", "istio", null, Tristate.NO);
    }
    if (e.envoySeen()) {
      Evidence.EnvoyRole role = e.role;
      if (role == Evidence.EnvoyRole.GATEWAY) {
        return new ProxyInfo("gateway", "istio", e.istioVersion, Tristate.NO);
      }
      if (role == Evidence.EnvoyRole.WAYPOINT) {
        return new ProxyInfo("waypoint", "istio", e.istioVersion, Tristate.NO);
      }
      boolean istio = role == Evidence.EnvoyRole.SIDECAR || e.istioVersion != null || e.virtualInbound != null || !e.perIpInbound.isEmpty();
      String mesh = istio ? "istio" : d != null && d.type() == MeshType.ENVOY ? d.mesh() : "envoy";
      String version = istio ? (e.istioVersion != null ? e.istioVersion : d != null ? d.version() : null) : e.envoyVersion;
      Tristate nativeSidecar = Tristate.UNKNOWN;
      String status = e.annotations.get(ISTIO_STATUS);
      if (status != null) {
        nativeSidecar = Tristate.of(NodeInfo.isNativeSidecarStatus(status));
      } else if (d != null && d.nativeSidecar()) {
        nativeSidecar = Tristate.YES;
      }
      return new ProxyInfo("envoy", mesh, version, nativeSidecar);
    }
    if (e.linkerdSeen()) {
      return new ProxyInfo(
          "linkerd2-proxy",
          "linkerd",
          e.linkerdProxyVersion != null ? e.linkerdProxyVersion : d != null ? d.version() : null,
          d != null && d.nativeSidecar() ? Tristate.YES : Tristate.UNKNOWN);
    }
    if (d != null && d.type() != MeshType.NONE) {
      Tristate nativeSidecar = d.nativeSidecar() ? Tristate.YES : Tristate.UNKNOWN;
      return new ProxyInfo(d.proxy(), d.mesh(), d.version(), nativeSidecar);
    }
    return new ProxyInfo("none", "none", null, Tristate.NO);
  }

  static @Nullable Identity identity(Evidence e) {
    Evidence.CertInfo c = e.cert;
    if (c != null) {
      return new Identity(c.identity, c.notBefore, c.notAfter, c.source);
    }
    String name = e.linkerdEnv == null ? null : e.linkerdEnv.get(L_IDENTITY);
    Instant notAfter = null;
    if (e.linkerdCertExpiry != null && e.linkerdCertExpiry > 0) {
      notAfter = Instant.ofEpochMilli(Math.round(e.linkerdCertExpiry * 1000));
    }
    if (name == null && notAfter == null) {
      return null;
    }
    String source = name != null && notAfter != null ? "/env.json + /metrics" : name != null ? "/env.json" : "/metrics";
    return new Identity(name, null, notAfter, source);
  }

  // ---------------------------------------------------------------- Envoy / Istio

  private static void envoy(Evidence e, AppPorts appPorts, MeshStatus.Builder b) {
    Map<Integer, List<Chain>> byPort = new TreeMap<>();
    List<Chain> catchAll = new ArrayList<>();
    Listener vi = e.virtualInbound;
    if (vi != null) {
      for (Chain c : vi.chains) {
        Integer dp = c.destinationPort;
        if ("virtualInbound-blackhole".equals(c.name) || (dp != null && dp == 15006)) {
          continue;
        }
        if (dp == null) {
          catchAll.add(c);
        } else {
          add(byPort, dp, c);
        }
      }
    } else {
      for (Listener l : e.perIpInbound) {
        if (l.port != null) {
          for (Chain c : l.chains) {
            add(byPort, l.port, c);
          }
        }
      }
    }
    if (vi == null && e.perIpInbound.isEmpty()) {
      b.note(e.listenersSeen ? "no inbound listener (virtualInbound or <podIP>_<port>) in the listeners read" : "no listeners were read");
    }
    List<Integer> ports = appPorts(appPorts, byPort.keySet(), ISTIO_PORTS);
    Map<Integer, long[]> observed = e.observed;
    List<MtlsMode> modes = new ArrayList<>();
    for (int port : ports) {
      List<Chain> chains = byPort.get(port);
      boolean fromCatchAll = chains == null;
      if (chains == null) {
        chains = catchAll;
      }
      PortProtocol protocol = protocol(chains);
      MtlsMode mode = mode(chains);
      Tristate intercepted = intercepted(e, port);
      b.port(new PortStatus(port, protocol, mode, intercepted, share(observed.get(port))));
      if (intercepted == Tristate.NO) {
        b.finding(
            new Finding(
                "port-not-intercepted",
                Severity.WARN,
                "Port " + port + " is excluded from interception (" + EXCLUDE_INBOUND + " / " + INCLUDE_INBOUND + "): inbound"
                    + " traffic bypasses the proxy, with no mTLS and no policy; remove it from the annotation unless that is"
                    + " intended."));
        continue;
      }
      if (mode != MtlsMode.UNKNOWN) {
        modes.add(mode);
      }
      if (protocol == PortProtocol.AUTO) {
        b.finding(
            new Finding(
                "port-sniffed",
                Severity.WARN,
                "Port " + port + " is sniffed (AUTO)" + (fromCatchAll ? ", no Service port targets it" : "") + ": name the"
                    + " Service port http-… / grpc-… / tcp-… or set appProtocol. Since Istio 1.5 an unrecognised name such as"
                    + " 'web' means AUTO, not raw TCP."));
      } else if (protocol == PortProtocol.TCP) {
        b.finding(
            new Finding(
                "port-raw-tcp",
                Severity.INFO,
                "Port " + port + " is raw TCP: no HTTP routing, retries or L7 metrics; if it serves HTTP, name the Service"
                    + " port http-… or set appProtocol: http."));
      }
      if (mode == MtlsMode.DISABLE) {
        b.finding(
            new Finding(
                "port-mtls-disabled",
                Severity.WARN,
                "Port " + port + " accepts only plaintext: no mTLS reaches it; give it a Service port or remove the policy"
                    + " that disables mTLS (PeerAuthentication portLevelMtls DISABLE)."));
      }
    }
    MtlsMode workload = majority(modes);
    if (workload == MtlsMode.UNKNOWN && !catchAll.isEmpty()) {
      workload = mode(catchAll);
    }
    b.mtls(workload);
    b.observedMtlsShare(share(total(observed)));
    workloadFindings(workload, "istio", b);
  }

  private static void add(Map<Integer, List<Chain>> byPort, int port, Chain c) {
    List<Chain> list = byPort.get(port);
    if (list == null) {
      list = new ArrayList<>();
      byPort.put(port, list);
    }
    list.add(c);
  }

  /** All chains HTTP → HTTP; all TCP proxy → TCP; both → AUTO (sniffed); none → UNKNOWN. */
  static PortProtocol protocol(List<Chain> chains) {
    boolean http = false;
    boolean tcp = false;
    for (Chain c : chains) {
      http |= c.http;
      tcp |= c.tcp;
    }
    return http && tcp ? PortProtocol.AUTO : http ? PortProtocol.HTTP : tcp ? PortProtocol.TCP : PortProtocol.UNKNOWN;
  }

  /**
   * A chain requiring a client certificate accepts mTLS; a chain without TLS (and not matched on
   * {@code transport_protocol: tls}) accepts plaintext; TLS passthrough chains count for neither.
   */
  static MtlsMode mode(List<Chain> chains) {
    boolean mtls = false;
    boolean plain = false;
    for (Chain c : chains) {
      if (!c.http && !c.tcp) {
        continue;
      }
      mtls |= c.mtls;
      plain |= c.plaintext();
    }
    return mtls && plain ? MtlsMode.PERMISSIVE : mtls ? MtlsMode.STRICT : plain ? MtlsMode.DISABLE : MtlsMode.UNKNOWN;
  }

  static Tristate intercepted(Evidence e, int port) {
    if ("NONE".equalsIgnoreCase(e.interceptionMode)) {
      return Tristate.NO;
    }
    String include = e.annotations.get(INCLUDE_INBOUND);
    String exclude = e.annotations.get(EXCLUDE_INBOUND);
    if (include == null && exclude == null) {
      return Tristate.UNKNOWN;
    }
    if (exclude != null && ports(exclude).contains(port)) {
      return Tristate.NO;
    }
    if (include == null || include.trim().equals("*")) {
      return Tristate.YES;
    }
    return Tristate.of(ports(include).contains(port));
  }

  // ---------------------------------------------------------------- Linkerd

  private static void linkerd(Evidence e, AppPorts appPorts, MeshStatus.Builder b) {
    Map<String, String> env = e.linkerdEnv;
    String policy = null;
    if (env != null) {
      policy = env.get(L_POLICY);
      if (policy == null) {
        policy = "all-unauthenticated"; // the proxy's own fallback when unset
      }
    } else if (e.linkerdDefaultPolicyFromMetrics != null) {
      policy = e.linkerdDefaultPolicyFromMetrics;
    }
    MtlsMode workload = linkerdMode(policy);
    TreeSet<Integer> known = new TreeSet<>();
    if (env != null && env.get(L_PORTS) != null) {
      known.addAll(ports(env.get(L_PORTS)));
    }
    for (Integer p : e.observed.keySet()) {
      if (p > 0) {
        known.add(p);
      }
    }
    List<Integer> ports = appPorts(appPorts, known, LINKERD_PORTS);
    List<Integer> opaque = env == null ? Collections.<Integer>emptyList() : ports(env.get(L_OPAQUE));
    List<Integer> requireId = env == null ? Collections.<Integer>emptyList() : ports(env.get(L_REQUIRE_ID));
    List<Integer> requireTls = env == null ? Collections.<Integer>emptyList() : ports(env.get(L_REQUIRE_TLS));
    for (int port : ports) {
      PortProtocol protocol = opaque.contains(port) ? PortProtocol.OPAQUE : env != null ? PortProtocol.AUTO : PortProtocol.UNKNOWN;
      MtlsMode mode = requireId.contains(port) || requireTls.contains(port) ? MtlsMode.STRICT : workload;
      long[] seen = e.observed.get(port);
      Tristate intercepted = seen != null && seen[0] + seen[1] > 0 ? Tristate.YES : Tristate.UNKNOWN;
      b.port(new PortStatus(port, protocol, mode, intercepted, share(seen)));
    }
    b.mtls(workload);
    b.observedMtlsShare(share(total(e.observed)));
    workloadFindings(workload, "linkerd", b);
  }

  /** {@code all-authenticated} / {@code cluster-authenticated} ≈ STRICT; {@code *-unauthenticated} and {@code audit} ≈ PERMISSIVE. */
  static MtlsMode linkerdMode(@Nullable String policy) {
    if (policy == null) {
      return MtlsMode.UNKNOWN;
    }
    switch (policy.trim().toLowerCase(Locale.ROOT)) {
      case "all-authenticated":
      case "cluster-authenticated":
        return MtlsMode.STRICT;
      case "all-unauthenticated":
      case "cluster-unauthenticated":
      case "audit":
        return MtlsMode.PERMISSIVE;
      default:
        return MtlsMode.UNKNOWN;
    }
  }

  // ---------------------------------------------------------------- common

  /** The app-ports rule: configured list, else the JVM's listening ports, else the proxy's known non-proxy ports. */
  static List<Integer> appPorts(AppPorts a, java.util.Set<Integer> fromProxy, int[] proxyPorts) {
    TreeSet<Integer> result = new TreeSet<>();
    if (!a.configured.isEmpty()) {
      result.addAll(a.configured);
    } else if (!a.listening.isEmpty()) {
      for (int p : a.listening) {
        if (!contains(proxyPorts, p)) {
          result.add(p);
        }
      }
    } else {
      for (int p : fromProxy) {
        if (!contains(proxyPorts, p)) {
          result.add(p);
        }
      }
    }
    return new ArrayList<>(result);
  }

  private static void workloadFindings(MtlsMode workload, String mesh, MeshStatus.Builder b) {
    if (workload == MtlsMode.PERMISSIVE) {
      b.finding(
          new Finding(
              "mtls-permissive",
              Severity.WARN,
              mesh.equals("linkerd")
                  ? "Inbound policy accepts unauthenticated (plaintext) clients; once every client is meshed set"
                      + " config.linkerd.io/default-inbound-policy: all-authenticated (or a Server + AuthorizationPolicy)."
                  : "Inbound mTLS is PERMISSIVE: plaintext is accepted too; once every client is meshed apply a"
                      + " PeerAuthentication with mtls.mode: STRICT."));
    } else if (workload == MtlsMode.DISABLE) {
      b.finding(
          new Finding(
              "mtls-disabled",
              Severity.ERROR,
              "Inbound mTLS is off: only plaintext is accepted; remove the PeerAuthentication that sets DISABLE, or set"
                  + " STRICT."));
    }
  }

  private static void certFindings(@Nullable Identity identity, Instant now, MeshStatus.Builder b) {
    if (identity == null || identity.notAfter() == null) {
      return;
    }
    Instant notAfter = identity.notAfter();
    Duration left = Duration.between(now, notAfter);
    if (left.isNegative() || left.isZero()) {
      b.finding(
          new Finding(
              "cert-expired",
              Severity.ERROR,
              "The workload certificate expired at " + notAfter + ": the proxy is not rotating it; check the proxy's logs"
                  + " and the CA (istiod, SPIRE or linkerd-identity)."));
      return;
    }
    boolean soon;
    Instant notBefore = identity.notBefore();
    if (notBefore != null && notBefore.isBefore(notAfter)) {
      long life = Duration.between(notBefore, notAfter).getSeconds();
      soon = left.getSeconds() < life * SOON_SHARE;
    } else {
      soon = left.compareTo(Duration.ofHours(1)) < 0;
    }
    if (soon) {
      b.finding(
          new Finding(
              "cert-expires-soon",
              Severity.WARN,
              "The workload certificate expires at " + notAfter + " (in " + io.meshprobe.internal.Durations.format(left)
                  + "), later than it should have been rotated; check the CA (istiod, SPIRE or linkerd-identity) and the"
                  + " proxy's logs."));
    }
  }

  /** The mode most app ports have; on a tie the weaker one (DISABLE < PERMISSIVE < STRICT). */
  static MtlsMode majority(List<MtlsMode> modes) {
    MtlsMode best = MtlsMode.UNKNOWN;
    int bestCount = 0;
    for (MtlsMode m : new MtlsMode[] {MtlsMode.DISABLE, MtlsMode.PERMISSIVE, MtlsMode.STRICT}) {
      int n = Collections.frequency(modes, m);
      if (n > bestCount) {
        best = m;
        bestCount = n;
      }
    }
    return best;
  }

  private static long @Nullable [] total(Map<Integer, long[]> observed) {
    if (observed.isEmpty()) {
      return null;
    }
    long[] t = new long[2];
    for (long[] c : observed.values()) {
      t[0] += c[0];
      t[1] += c[1];
    }
    return t;
  }

  static @Nullable Double share(long @Nullable [] counts) {
    if (counts == null || counts[0] + counts[1] == 0) {
      return null;
    }
    return counts[0] / (double) (counts[0] + counts[1]);
  }

  /** {@code "80,8080, 9000-9002"} as ports; ranges are expanded (at most 1024 of them); junk is ignored. */
  static List<Integer> ports(@Nullable String csv) {
    List<Integer> out = new ArrayList<>();
    if (csv == null) {
      return out;
    }
    for (String part : csv.split(",")) {
      String s = part.trim();
      if (s.isEmpty()) {
        continue;
      }
      try {
        int dash = s.indexOf('-');
        if (dash > 0) {
          int from = Integer.parseInt(s.substring(0, dash).trim());
          int to = Integer.parseInt(s.substring(dash + 1).trim());
          for (int p = from; p <= to && p - from < 1024; p++) {
            out.add(p);
          }
        } else {
          out.add(Integer.parseInt(s));
        }
      } catch (NumberFormatException ex) {
        // not a port
      }
    }
    return out;
  }

  private static boolean contains(int[] ports, int port) {
    for (int p : ports) {
      if (p == port) {
        return true;
      }
    }
    return false;
  }
}
