package io.meshprobe.internal.status;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.internal.NodeInfo;
import io.meshprobe.internal.Results;
import io.meshprobe.status.Finding;
import io.meshprobe.status.FindingCodes;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PlaintextPeer;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.ProxyInfo;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.Severity;
import io.meshprobe.status.StrictReadiness;
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

  /** The default of {@code meshprobe.proxy.memory-budget}: 128 MiB, the cheat sheet's upper bound per sidecar. */
  public static final long DEFAULT_MEMORY_BUDGET = 128L << 20;

  public static MeshStatus derive(Evidence e, @Nullable Detection d, AppPorts appPorts, Instant now) {
    return derive(e, d, appPorts, now, DEFAULT_MEMORY_BUDGET);
  }

  /** @param memoryBudget bytes of proxy memory above which a finding is raised; 0 or less: no check */
  public static MeshStatus derive(Evidence e, @Nullable Detection d, AppPorts appPorts, Instant now, long memoryBudget) {
    ProxyInfo proxy = proxy(e, d);
    MeshStatusBuilder b = Results.meshStatus(proxy, now);
    for (String note : e.notes) {
      b.note(note);
    }
    ProxyKind kind = proxy.kind();
    if (kind == ProxyKind.NONE) {
      b.finding(
          Results.finding(
              FindingCodes.NO_SIDECAR,
              Severity.WARN,
              "No mesh proxy in this pod. Usual causes: the namespace is not labelled for injection (istio-injection=enabled"
                  + " / linkerd.io/inject: enabled), the pod says inject \"false\", the pod is older than the injection"
                  + " (restart it), or the injection webhook is down."));
      return b.build();
    }
    if (kind == ProxyKind.ZTUNNEL) {
      b.finding(
          Results.finding(
              FindingCodes.AMBIENT,
              Severity.INFO,
              "Istio ambient: there is no sidecar; the ztunnel on the node carries mTLS and the identity, so nothing in"
                  + " the pod needs waiting for or quitting."));
      return b.build();
    }
    if (kind == ProxyKind.GATEWAY || kind == ProxyKind.WAYPOINT) {
      b.finding(
          Results.finding(
              FindingCodes.NOT_A_SIDECAR,
              Severity.WARN,
              "This Envoy is an Istio " + kind + " (node id " + e.nodeId + "), not a sidecar: it has no app ports to report;"
                  + " take the dump from the app pod's istio-proxy instead."));
      return b.build();
    }
    Identity identity = identity(e);
    b.identity(identity);
    if (kind == ProxyKind.LINKERD2_PROXY) {
      linkerd(e, appPorts, b);
    } else {
      envoy(e, appPorts, b);
    }
    certFindings(identity, now, b);
    ProxyHealth health = health(e, kind, now);
    b.health(health);
    if (e.processRssSamples > 1) {
      b.note("several unlabelled process_resident_memory_bytes samples (the app's metrics merged in?): the proxy's own is not told apart");
    }
    healthFindings(health, proxy, now, memoryBudget, b);
    String unconfigured = neverConfigured(e.envoyStats);
    if (unconfigured != null) {
      b.finding(
          Results.finding(
              FindingCodes.PROXY_NEVER_CONFIGURED,
              Severity.ERROR,
              "The proxy never received its configuration: " + unconfigured + ", so it serves without listeners or clusters"
                  + " and traffic through it fails; check that " + (proxy.mesh().equals("istio") ? "istiod" : "its control plane")
                  + " is running and reachable from the pod (the xDS cluster of its bootstrap), then restart the pod."));
    }
    if (proxy.nativeSidecar() == Tristate.YES) {
      b.finding(
          Results.finding(
              FindingCodes.NATIVE_SIDECAR,
              Severity.INFO,
              "The proxy runs as a native sidecar: Kubernetes stops it after the app containers exit, so no quit is needed"
                  + " (mesh-probe skips it)."));
    } else if (kind == ProxyKind.LINKERD2_PROXY && e.linkerdEnv != null && !"true".equalsIgnoreCase(e.linkerdEnv.get(L_SHUTDOWN))) {
      b.finding(linkerdShutdownDisabled());
    }
    return b.build();
  }

  // ---------------------------------------------------------------- proxy health

  static final String CONNECTED = "control_plane.connected_state";
  static final String[] SUBSCRIPTIONS = {"listener_manager.lds", "cluster_manager.cds"};
  static final String[] ENVOY_MEMORY = {"server.memory_physical_size", "server.memory_heap_size", "server.memory_allocated"};

  /**
   * Control plane, config freshness, rejected config, resource use and quit path, from Envoy's {@code /stats}
   * (Envoy docs: {@code control_plane.connected_state}, xDS subscription stats {@code update_rejected},
   * {@code update_time} under {@code listener_manager.lds.} and {@code cluster_manager.cds.}, server stats
   * {@code server.memory_*}), config_dump {@code error_state}, and {@code process_*} metrics (pilot-agent's on
   * Istio's merged metrics, linkerd2-proxy's {@code /metrics}).
   */
  static ProxyHealth health(Evidence e, ProxyKind kind, Instant now) {
    ProxyHealthBuilder h = Results.proxyHealth();
    Map<String, Double> st = e.envoyStats;
    Double connected = st.get(CONNECTED);
    if (connected != null) {
      h.controlPlaneConnected(Tristate.of(connected > 0));
    }
    long lastMillis = 0;
    long rejected = 0;
    boolean subscriptionSeen = false;
    for (String sub : SUBSCRIPTIONS) {
      for (String stat : st.keySet()) {
        subscriptionSeen |= stat.startsWith(sub + ".");
      }
      Double t = st.get(sub + ".update_time");
      if (t != null && t > lastMillis) {
        lastMillis = t.longValue();
      }
      Double r = st.get(sub + ".update_rejected");
      if (r != null) {
        rejected += r.longValue();
      }
    }
    if (lastMillis > 0) {
      h.lastConfigUpdate(Instant.ofEpochMilli(lastMillis));
    }
    // Asked with usedonly: a counter that never moved is left out, so a subscription seen without it means 0.
    if (subscriptionSeen || !e.rejected.isEmpty()) {
      h.configRejected(Math.max(rejected, e.rejected.size()));
    }
    for (String r : e.rejected) {
      h.rejectedConfig(r);
    }
    Double envoyMemory = null;
    for (String m : ENVOY_MEMORY) {
      envoyMemory = st.get(m);
      if (envoyMemory != null) {
        break;
      }
    }
    Double process = e.processRssSamples == 1 ? e.processRss : null;
    if (envoyMemory != null || process != null) {
      double total = (envoyMemory == null ? 0 : envoyMemory) + (process == null ? 0 : process);
      h.memoryBytes((long) total);
    }
    if (e.processCpu != null && e.processRssSamples <= 1) {
      h.cpuSeconds(e.processCpu);
    }
    if (kind == ProxyKind.LINKERD2_PROXY) {
      if (e.linkerdEnv != null) {
        h.quitAvailable(Tristate.of("true".equalsIgnoreCase(e.linkerdEnv.get(L_SHUTDOWN))));
      }
    } else if (e.quitAnswered != null) {
      h.quitAvailable(Tristate.of(e.quitAnswered));
    }
    return h.build();
  }

  /**
   * Whether Envoy gave up its initial fetch and never got an update: for LDS or CDS, {@code init_fetch_timeout} > 0
   * and no {@code update_success} (Envoy docs, xDS subscription statistics). With an {@code initial_fetch_timeout}
   * (15 s by default; Istio sets 0) Envoy then turns LIVE with no configuration at all, and {@code /ready} says 200.
   *
   * @return which subscriptions, e.g. {@code "CDS and LDS gave up their initial fetch (init_fetch_timeout) with no
   *     successful update"}, or {@code null}
   */
  static @Nullable String neverConfigured(Map<String, Double> st) {
    List<String> names = new ArrayList<>();
    for (String sub : new String[] {"cluster_manager.cds", "listener_manager.lds"}) {
      Double timeouts = st.get(sub + ".init_fetch_timeout");
      Double success = st.get(sub + ".update_success");
      if (timeouts != null && timeouts > 0 && (success == null || success <= 0)) {
        names.add(sub.substring(sub.length() - 3).toUpperCase(Locale.ROOT));
      }
    }
    if (names.isEmpty()) {
      return null;
    }
    return (names.size() == 2 ? "CDS and LDS gave" : names.get(0) + " gave")
        + " up the initial fetch (init_fetch_timeout) and had no successful update since (update_success 0)";
  }

  private static void healthFindings(ProxyHealth h, ProxyInfo proxy, Instant now, long memoryBudget, MeshStatusBuilder b) {
    boolean istio = proxy.mesh().equals("istio");
    String controlPlane = istio ? "istiod" : "its control plane";
    if (h.controlPlaneConnected() == Tristate.NO) {
      Instant last = h.lastConfigUpdate();
      b.finding(
          Results.finding(
              FindingCodes.CONTROLPLANE_DISCONNECTED,
              Severity.WARN,
              "The proxy is disconnected from " + controlPlane
                  + (last == null ? "" : "; its last accepted config update was " + Math.max(0, Duration.between(last, now).toMinutes()) + " min ago")
                  + ": it runs on its last-known config and misses endpoint, policy and certificate changes; check that "
                  + controlPlane + " is running and reachable" + (istio ? " (istioctl proxy-status)." : ".")));
    }
    for (String r : h.rejectedConfigs()) {
      b.finding(
          Results.finding(
              FindingCodes.CONFIG_REJECTED,
              Severity.ERROR,
              "The proxy rejected its config (" + r + "); it keeps serving the previous version, or none: fix the resource"
                  + " that produced it" + (istio ? " (often an EnvoyFilter; istioctl analyze)." : ".")));
    }
    Long count = h.configRejected();
    if (h.rejectedConfigs().isEmpty() && count != null && count > 0) {
      b.finding(
          Results.finding(
              FindingCodes.CONFIG_REJECTED,
              Severity.WARN,
              "The proxy rejected " + count + " config update(s) since it started (LDS/CDS update_rejected), and no listener is"
                  + " in error now: a cluster update was rejected, or the cause was fixed since; check the proxy's log"
                  + (istio ? " and istioctl proxy-status." : ".")));
    }
    Long memory = h.memoryBytes();
    if (memory != null && memoryBudget > 0 && memory > memoryBudget) {
      b.finding(
          Results.finding(
              FindingCodes.PROXY_MEMORY_OVER_BUDGET,
              Severity.WARN,
              "The proxy uses " + mib(memory) + " of memory, over the budget of " + mib(memoryBudget)
                  + " (meshprobe.proxy.memory-budget): "
                  + (istio
                      ? "limit the config it receives with a Sidecar resource, or raise sidecar.istio.io/proxyMemory and proxyMemoryLimit."
                      : proxy.mesh().equals("linkerd")
                          ? "raise config.linkerd.io/proxy-memory-request and proxy-memory-limit, or look for a connection leak."
                          : "limit the config it receives or raise its memory limit.")));
    }
    if (h.quitAvailable() == Tristate.NO && proxy.nativeSidecar() != Tristate.YES && proxy.kind() != ProxyKind.LINKERD2_PROXY) {
      b.finding(
          Results.finding(
              FindingCodes.QUIT_UNAVAILABLE,
              Severity.WARN,
              istio
                  ? "pilot-agent's status port does not answer, so quitting the proxy when a Job ends will fail and the pod will"
                      + " hang; it is disabled by status.sidecar.istio.io/port: \"0\": remove that annotation, or use native"
                      + " sidecars."
                  : "The proxy's admin API does not answer, so quitting it when a Job ends will fail and the pod will hang."));
    }
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }

  /** Linkerd's {@code /env.json} shows the shutdown endpoint off: a Job's pod would hang after the app exits. */
  private static Finding linkerdShutdownDisabled() {
    return Results.finding(
        FindingCodes.LINKERD_SHUTDOWN_DISABLED,
        Severity.WARN,
        "Linkerd's /shutdown endpoint is disabled (the default since edge-24.6.2), so a Job's pod hangs after the app"
            + " exits; add the pod annotation config.linkerd.io/proxy-admin-shutdown: enabled.");
  }

  static ProxyInfo proxy(Evidence e, @Nullable Detection d) {
    if (e.ztunnel || (d != null && d.type() == MeshType.ISTIO_AMBIENT && !e.envoySeen())) {
      return Results.proxyInfo(ProxyKind.ZTUNNEL, "istio", null, Tristate.NO);
    }
    if (e.envoySeen()) {
      Evidence.EnvoyRole role = e.role;
      if (role == Evidence.EnvoyRole.GATEWAY) {
        return Results.proxyInfo(ProxyKind.GATEWAY, "istio", e.istioVersion, Tristate.NO);
      }
      if (role == Evidence.EnvoyRole.WAYPOINT) {
        return Results.proxyInfo(ProxyKind.WAYPOINT, "istio", e.istioVersion, Tristate.NO);
      }
      boolean istio = role == Evidence.EnvoyRole.SIDECAR || e.istioVersion != null || e.virtualInbound != null || !e.perIpInbound.isEmpty()
          || e.istioSidecarStats;
      String mesh = istio ? "istio" : d != null && d.type() == MeshType.ENVOY ? d.mesh() : "envoy";
      String version = istio ? (e.istioVersion != null ? e.istioVersion : d != null ? d.version() : null) : e.envoyVersion;
      Tristate nativeSidecar = Tristate.UNKNOWN;
      String status = e.annotations.get(ISTIO_STATUS);
      if (status != null) {
        nativeSidecar = Tristate.of(NodeInfo.isNativeSidecarStatus(status));
      } else if (d != null && d.nativeSidecar()) {
        nativeSidecar = Tristate.YES;
      }
      return Results.proxyInfo(ProxyKind.ENVOY, mesh, version, nativeSidecar);
    }
    if (e.linkerdSeen()) {
      return Results.proxyInfo(
          ProxyKind.LINKERD2_PROXY,
          "linkerd",
          e.linkerdProxyVersion != null ? e.linkerdProxyVersion : d != null ? d.version() : null,
          d != null && d.nativeSidecar() ? Tristate.YES : Tristate.UNKNOWN);
    }
    if (d != null && d.type() != MeshType.NONE) {
      Tristate nativeSidecar = d.nativeSidecar() ? Tristate.YES : Tristate.UNKNOWN;
      return Results.proxyInfo(Results.proxyKind(d.type()), d.mesh(), d.version(), nativeSidecar);
    }
    return Results.proxyInfo(ProxyKind.NONE, "none", null, Tristate.NO);
  }

  static @Nullable Identity identity(Evidence e) {
    Evidence.CertInfo c = e.cert;
    if (c != null) {
      return Results.identity(c.identity, c.notBefore, c.notAfter, c.source);
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
    return Results.identity(name, null, notAfter, source);
  }

  // ---------------------------------------------------------------- Envoy / Istio

  private static void envoy(Evidence e, AppPorts appPorts, MeshStatusBuilder b) {
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
      // A port the dump has no chain for makes no mTLS claim: the catch-all chains it would fall to are not built from
      // the policy in every version (Istio <= 1.4's plaintext passthrough), and a port re-read from the JVM may be one
      // the proxy never sees (a management or debug port): UNKNOWN, not DISABLE (and no mtls-disabled from it).
      MtlsMode mode = fromCatchAll ? MtlsMode.UNKNOWN : mode(chains);
      Tristate intercepted = intercepted(e, port);
      b.port(Results.portStatus(port, protocol, mode, intercepted, share(observed.get(port))));
      if (intercepted == Tristate.NO) {
        b.finding(
            Results.finding(
                FindingCodes.PORT_NOT_INTERCEPTED,
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
            Results.finding(
                FindingCodes.PORT_SNIFFED,
                Severity.WARN,
                "Port " + port + " is sniffed (AUTO)" + (fromCatchAll ? ", no Service port targets it" : "") + ": name the"
                    + " Service port http-… / grpc-… / tcp-… or set appProtocol. Since Istio 1.5 an unrecognised name such as"
                    + " 'web' means AUTO, not raw TCP."));
      } else if (protocol == PortProtocol.TCP) {
        b.finding(
            Results.finding(
                FindingCodes.PORT_RAW_TCP,
                Severity.INFO,
                "Port " + port + " is raw TCP: no HTTP routing, retries or L7 metrics; if it serves HTTP, name the Service"
                    + " port http-… or set appProtocol: http."));
      }
      if (mode == MtlsMode.DISABLE) {
        b.finding(
            Results.finding(
                FindingCodes.PORT_MTLS_DISABLED,
                Severity.WARN,
                "Port " + port + " accepts only plaintext: no mTLS reaches it; give it a Service port or remove the policy"
                    + " that disables mTLS (PeerAuthentication portLevelMtls DISABLE)."));
      }
    }
    MtlsMode workload = majority(modes);
    MtlsMode catchAllMode = catchAll.isEmpty() ? MtlsMode.UNKNOWN : mode(catchAll);
    if (workload == MtlsMode.UNKNOWN && ports.isEmpty()) {
      // No app port at all: the catch-all is the only word on the policy. App ports the dump does not know stay UNKNOWN.
      workload = catchAllMode;
    }
    // Whether some inbound chain is configured to take plaintext: then plaintext seen is no contradiction of STRICT.
    boolean plaintextConfigured = modes.contains(MtlsMode.PERMISSIVE) || modes.contains(MtlsMode.DISABLE)
        || catchAllMode == MtlsMode.PERMISSIVE || catchAllMode == MtlsMode.DISABLE;
    mtlsEvidence(e, b, workload, plaintextConfigured, false, Collections.<Integer>emptyList(), "istio");
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

  private static void linkerd(Evidence e, AppPorts appPorts, MeshStatusBuilder b) {
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
    List<Integer> contradicted = new ArrayList<>();
    for (int port : ports) {
      PortProtocol protocol = opaque.contains(port) ? PortProtocol.OPAQUE : env != null ? PortProtocol.AUTO : PortProtocol.UNKNOWN;
      MtlsMode configured = requireId.contains(port) || requireTls.contains(port) ? MtlsMode.STRICT : workload;
      long[] seen = e.observed.get(port);
      MtlsMode mode = portMode(e, port, configured, contradicted);
      Tristate intercepted = seen != null && seen[0] + seen[1] > 0 ? Tristate.YES : Tristate.UNKNOWN;
      b.port(Results.portStatus(port, protocol, mode, intercepted, share(seen)));
    }
    // The proxy's env is fixed for the pod's life: plaintext counted under a STRICT default contradicts it whenever it came.
    mtlsEvidence(e, b, workload, false, true, contradicted, "linkerd");
  }

  /**
   * A Linkerd port's mode from its configured mode and its own counters: plaintext seen makes an unknown port
   * PERMISSIVE, and a STRICT one PERMISSIVE too (listed in {@code contradicted}: the policy is not what is enforced).
   */
  private static MtlsMode portMode(Evidence e, int port, MtlsMode configured, List<Integer> contradicted) {
    long plain = accepted(e.linkerdAuthz, e.observed, e.linkerdAcceptedPlain, port);
    if (plain == 0) {
      return configured;
    }
    if (configured == MtlsMode.UNKNOWN) {
      return MtlsMode.PERMISSIVE;
    }
    if (configured == MtlsMode.STRICT) {
      Evidence.Traffic p = e.previous;
      Long recent = recent(plain, p == null ? null : accepted(e.linkerdAuthz, p.observed, p.accepted, port));
      if (recent == null || recent > 0) {
        contradicted.add(port);
        return MtlsMode.PERMISSIVE;
      }
    }
    return configured;
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

  // ---------------------------------------------------------------- mTLS: configuration and evidence together

  /** At most this many plaintext clients per port are listed. */
  static final int TOP_PEERS = 10;

  /**
   * The workload's mTLS from its configured mode and its proxy's counters ({@code docs/diagnosis.md}, "Evidence
   * beats unknown"): plaintext accepted makes an unknown mode PERMISSIVE; plaintext accepted recently under a STRICT
   * configuration is the ERROR {@code mtls-strict-not-enforced}; any plaintext is {@code mtls-plaintext-observed}, with
   * the clients the counters name; and the answer to "ready for STRICT?".
   *
   * @param plaintextConfigured some inbound chain is configured to take plaintext (plaintext seen contradicts nothing)
   * @param configStatic the configuration read cannot have changed since the proxy started (Linkerd's env): the
   *     contradiction is decided per port by the caller (plaintext accepted since the start contradicts it), not here
   * @param contradictedPorts ports already found STRICT yet taking plaintext
   */
  private static void mtlsEvidence(
      Evidence e,
      MeshStatusBuilder b,
      MtlsMode configured,
      boolean plaintextConfigured,
      boolean configStatic,
      List<Integer> contradictedPorts,
      String mesh) {
    long[] total = total(e.observed);
    long acceptedPlain = 0;
    if (mesh.equals("linkerd") && e.linkerdAuthz) {
      for (long n : e.linkerdAcceptedPlain.values()) {
        acceptedPlain += n;
      }
    } else {
      acceptedPlain = total == null ? 0 : total[1];
    }
    b.configuredMtls(configured);
    b.observedMtlsShare(share(total));
    Evidence.Traffic previous = e.previous;
    long plain = total == null ? 0 : total[1];
    long all = total == null ? 0 : total[0] + total[1];
    Long recent = recent(plain, previous == null ? null : plainOf(previous.observed));
    if (e.observedFrom != null) {
      b.plaintext(plain, recent, previous == null ? null : previous.at);
    }
    boolean contradiction = !contradictedPorts.isEmpty()
        || (!configStatic && configured == MtlsMode.STRICT && !plaintextConfigured && plain > 0 && recent != null && recent > 0);
    MtlsMode workload = configured;
    if (contradiction || (configured == MtlsMode.UNKNOWN && acceptedPlain > 0)) {
      workload = MtlsMode.PERMISSIVE;
    }
    b.mtls(workload);
    List<PlaintextPeer> peers = peers(e);
    for (PlaintextPeer p : peers) {
      b.plaintextPeer(p);
    }
    String unit = unit(e.observedFrom);
    if (contradiction) {
      b.finding(
          Results.finding(
              FindingCodes.MTLS_STRICT_NOT_ENFORCED,
              Severity.ERROR,
              "The configuration says STRICT ("
                  + (mesh.equals("linkerd") ? "Linkerd inbound policy" : "inbound listeners")
                  + "), but the proxy accepted " + (recent != null ? recent + " plaintext " + unit + " since the previous read at " + previous.at : plain + " plaintext " + unit + " since it started")
                  + (contradictedPorts.isEmpty() ? "" : " on port" + (contradictedPorts.size() > 1 ? "s " : " ") + join(contradictedPorts))
                  + ": the policy is not what the proxy enforces; "
                  + (mesh.equals("linkerd")
                      ? "check the Server and AuthorizationPolicy resources that cover these ports (linkerd viz authz)."
                      : "check for a port-level PeerAuthentication or a policy that disables mTLS (istioctl x describe pod).")));
    }
    if (plain > 0) {
      boolean over = recent != null && recent == 0;
      b.finding(
          Results.finding(
              FindingCodes.MTLS_PLAINTEXT_OBSERVED,
              over ? Severity.INFO : Severity.WARN,
              "The proxy accepted " + plain + " plaintext inbound " + unit + " on app ports since it started ("
                  + percent(plain, all) + " of " + all + ")"
                  + (recent == null ? "" : ", " + recent + " since the previous read at " + previous.at)
                  + (peers.isEmpty() ? "" : "; from " + topNames(peers, 3))
                  + (over
                      ? ": none lately, the plaintext clients may be gone; the next reads tell."
                      : configured == MtlsMode.STRICT && !contradiction && mesh.equals("linkerd") && e.linkerdAuthz
                          ? ": the policy is STRICT and its authorization counters let none of them through, so these clients"
                              + " are refused now; mesh them."
                      : configured == MtlsMode.STRICT && !contradiction && recent == null
                          ? ": the configuration is STRICT now, so they came before the switch, unless a port it does not show"
                              + " takes plaintext; the next read tells whether any is recent."
                          : configured == MtlsMode.STRICT && !contradiction
                              ? ": the app ports are STRICT, so they reach ports the configuration covers with chains that take"
                                  + " plaintext (the catch-all for ports without a Service); these clients break when those are STRICT too."
                              : ": these clients break when the workload switches to STRICT; mesh them (inject the proxy) first.")));
    }
    workloadFindings(workload, mesh, b);
    b.strictReadiness(readiness(e, configured, contradiction, plain, all, recent, peers, unit));
  }

  private static StrictReadiness readiness(
      Evidence e, MtlsMode configured, boolean contradiction, long plain, long all, @Nullable Long recent, List<PlaintextPeer> peers, String unit) {
    List<String> why = new ArrayList<>();
    if (contradiction) {
      why.add("the configuration says STRICT but the proxy still accepts plaintext (mtls-strict-not-enforced)");
      if (!peers.isEmpty()) {
        why.add("plaintext clients: " + topNames(peers, 5));
      }
      return Results.strictReadiness(Tristate.NO, why);
    }
    boolean accepting = recent != null ? recent > 0 : plain > 0;
    if (configured == MtlsMode.STRICT && recent != null && recent > 0) {
      why.add("the app ports are STRICT, but " + recent + " plaintext " + unit + " since the previous read came through chains that take"
          + " plaintext (the catch-all for ports without a Service)");
      if (!peers.isEmpty()) {
        why.add("plaintext clients: " + topNames(peers, 5));
      }
      return Results.strictReadiness(Tristate.NO, why);
    }
    if (configured == MtlsMode.STRICT) {
      why.add("inbound mTLS is already STRICT"
          + (plain > 0 ? " (" + plain + " plaintext " + unit + " were accepted since the proxy started, none of them known to be after the switch)" : ""));
      return Results.strictReadiness(Tristate.YES, why);
    }
    if (accepting) {
      why.add((recent != null ? recent + " plaintext " + unit + " since the previous read" : plain + " plaintext " + unit + " since the proxy started")
          + " (" + percent(plain, all) + " of all)");
      why.add(peers.isEmpty() ? "the proxy does not name the clients" : "plaintext clients: " + topNames(peers, 5));
      return Results.strictReadiness(Tristate.NO, why);
    }
    if (all > 0) {
      why.add(plain == 0
          ? "all " + all + " inbound " + unit + " the proxy counted since it started were mTLS"
          : "no plaintext since the previous read at " + (e.previous == null ? "?" : e.previous.at) + " (" + plain + " before)");
      return Results.strictReadiness(Tristate.YES, why);
    }
    why.add("the proxy's counters show no inbound app traffic ("
        + (e.linkerdSeen()
            ? "Linkerd: inbound tcp_open_total / request_total / inbound_http_authz_allow_total with a tls label"
            : "Istio: istio_requests_total / istio_tcp_connections_opened_total with reporter=\"destination\"")
        + "), so no client is known");
    return Results.strictReadiness(Tristate.UNKNOWN, why);
  }

  /** The plaintext clients, per port (no port first), most first, at most {@link #TOP_PEERS} per port. */
  static List<PlaintextPeer> peers(Evidence e) {
    Map<Evidence.Peer, Long> previous = e.previous == null ? null : e.previous.peers;
    List<PlaintextPeer> all = new ArrayList<>();
    for (Map.Entry<Evidence.Peer, Long> p : e.plaintextPeers.entrySet()) {
      Evidence.Peer k = p.getKey();
      if (k.port != null && (k.port == 0 || contains(LINKERD_PORTS, k.port)) || p.getValue() <= 0) {
        continue;
      }
      Long recent = previous == null ? null : recent(p.getValue(), previous.containsKey(k) ? previous.get(k) : Long.valueOf(0));
      all.add(Results.plaintextPeer(k.port, k.workload, k.namespace, k.principal, p.getValue(), recent));
    }
    Collections.sort(
        all,
        (x, y) -> {
          int px = x.port() == null ? -1 : x.port();
          int py = y.port() == null ? -1 : y.port();
          if (px != py) {
            return Integer.compare(px, py);
          }
          int c = Long.compare(y.count(), x.count());
          return c != 0 ? c : x.name().compareTo(y.name());
        });
    List<PlaintextPeer> top = new ArrayList<>();
    Integer port = null;
    int n = 0;
    for (PlaintextPeer p : all) {
      if (top.isEmpty() || !java.util.Objects.equals(port, p.port())) {
        port = p.port();
        n = 0;
      }
      if (n++ < TOP_PEERS) {
        top.add(p);
      }
    }
    return top;
  }

  /** {@code now - before}; a counter that went down means the proxy restarted, so all of {@code now} is recent. */
  static @Nullable Long recent(long now, @Nullable Long before) {
    if (before == null) {
      return null;
    }
    return now >= before ? now - before : now;
  }

  private static long plainOf(Map<Integer, long[]> observed) {
    long n = 0;
    for (long[] c : observed.values()) {
      n += c[1];
    }
    return n;
  }

  /**
   * Plaintext Linkerd accepted on a port: what its authorization counters let through when it has them (2.11+; the
   * traffic counters count refused connections too), else all plaintext counted (older proxies enforce no policy).
   */
  private static long accepted(boolean authz, Map<Integer, long[]> observed, Map<Integer, Long> accepted, int port) {
    if (authz) {
      Long n = accepted.get(port);
      return n == null ? 0 : n;
    }
    long[] c = observed.get(port);
    return c == null ? 0 : c[1];
  }

  /** What the counters count: {@code connections}, {@code requests}, or both (Istio's TCP and HTTP families together). */
  private static String unit(@Nullable String family) {
    if (family == null) {
      return "requests";
    }
    boolean connections = family.contains("tcp_open_total") || family.contains("istio_tcp_connections_opened_total");
    boolean requests = family.contains("request_total") || family.contains("requests_total") || family.contains("authz");
    return connections && requests ? "connections or requests" : connections ? "connections" : "requests";
  }

  private static String percent(long part, long whole) {
    return whole == 0 ? "?" : String.format(Locale.ROOT, "%.1f%%", part * 100.0 / whole);
  }

  private static String topNames(List<PlaintextPeer> peers, int max) {
    List<PlaintextPeer> sorted = new ArrayList<>(peers);
    Collections.sort(sorted, (x, y) -> Long.compare(y.count(), x.count()));
    StringBuilder sb = new StringBuilder();
    int n = 0;
    for (PlaintextPeer p : sorted) {
      if (n == max) {
        sb.append(", and ").append(sorted.size() - max).append(" more");
        break;
      }
      sb.append(n++ == 0 ? "" : ", ").append(p.name()).append(p.port() == null ? "" : " on port " + p.port()).append(" (").append(p.count()).append(')');
    }
    return sb.toString();
  }

  private static String join(List<Integer> ports) {
    StringBuilder sb = new StringBuilder();
    for (int p : ports) {
      sb.append(sb.length() == 0 ? "" : ", ").append(p);
    }
    return sb.toString();
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

  private static void workloadFindings(MtlsMode workload, String mesh, MeshStatusBuilder b) {
    if (workload == MtlsMode.PERMISSIVE) {
      b.finding(
          Results.finding(
              FindingCodes.MTLS_PERMISSIVE,
              Severity.WARN,
              mesh.equals("linkerd")
                  ? "Inbound policy accepts unauthenticated (plaintext) clients; once every client is meshed set"
                      + " config.linkerd.io/default-inbound-policy: all-authenticated (or a Server + AuthorizationPolicy)."
                  : "Inbound mTLS is PERMISSIVE: plaintext is accepted too; once every client is meshed apply a"
                      + " PeerAuthentication with mtls.mode: STRICT."));
    } else if (workload == MtlsMode.DISABLE) {
      b.finding(
          Results.finding(
              FindingCodes.MTLS_DISABLED,
              Severity.ERROR,
              "Inbound mTLS is off: only plaintext is accepted; remove the PeerAuthentication that sets DISABLE, or set"
                  + " STRICT."));
    }
  }

  private static void certFindings(@Nullable Identity identity, Instant now, MeshStatusBuilder b) {
    if (identity == null || identity.notAfter() == null) {
      return;
    }
    Instant notAfter = identity.notAfter();
    Duration left = Duration.between(now, notAfter);
    if (left.isNegative() || left.isZero()) {
      b.finding(
          Results.finding(
              FindingCodes.CERT_EXPIRED,
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
          Results.finding(
              FindingCodes.CERT_EXPIRES_SOON,
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

  // ---------------------------------------------------------------- liveness (status refresh)

  /** How many status reads in a row must find the proxy silent before it counts as unreachable. */
  public static final int SILENT_READS = 2;

  /**
   * The liveness rule: a proxy that was seen ready and then did not answer {@value #SILENT_READS} status reads in a
   * row (its readiness endpoint and its admin API refused, reset or timed out every request) is unreachable.
   *
   * @param silentReads how many reads in a row found it silent
   * @param seenReady whether this probe ever saw it ready (before that, the wait reports on it)
   */
  public static boolean unreachable(int silentReads, boolean seenReady) {
    return seenReady && silentReads >= SILENT_READS;
  }

  /**
   * {@code s} with the {@value FindingCodes#PROXY_UNREACHABLE} ERROR finding, saying what was tried and what it means. A
   * {@code quit-unavailable} finding is dropped: its cause is the silent proxy, not the quit annotation.
   *
   * @param tried the URLs that did not answer, e.g. {@code "http://127.0.0.1:15021/healthz/ready (connection refused)"}
   */
  public static MeshStatus withUnreachable(MeshStatus s, String tried, int silentReads) {
    String container = s.proxy().mesh().equals("linkerd") ? "linkerd-proxy" : "istio-proxy";
    Finding unreachable =
        Results.finding(
            FindingCodes.PROXY_UNREACHABLE,
            Severity.ERROR,
            "The proxy stopped answering after it was ready: " + tried + ", and its admin API, refused or timed out on "
                + silentReads + " reads in a row. The sidecar restarted or died, and outbound calls through it fail until"
                + " it is back; see its restarts in kubectl describe pod and why in kubectl logs <pod> -c " + container
                + " --previous.");
    MeshStatusBuilder b = Results.meshStatus(s.proxy(), s.takenAt());
    b.identity(s.identity()).mtls(s.mtls()).observedMtlsShare(s.observedMtlsShare()).health(s.health());
    for (PortStatus p : s.ports()) {
      b.port(p);
    }
    b.finding(unreachable);
    for (Finding f : s.findings()) {
      if (!f.code().equals(FindingCodes.QUIT_UNAVAILABLE)) {
        b.finding(f);
      }
    }
    for (String note : s.notes()) {
      b.note(note);
    }
    return b.build();
  }
}
