package io.meshprobe.internal.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Facts gathered from one pod's payloads (live answers or saved files), before the derivation turns them into a
 * {@link io.meshprobe.status.MeshStatus}. Small whatever the payload size: only the inbound listeners, the node
 * metadata, one certificate and counters are kept. Not thread-safe; filled by one reader at a time.
 */
public final class Evidence {
  /** What kind of Envoy a config dump or server_info came from. */
  public enum EnvoyRole {
    SIDECAR,
    GATEWAY,
    WAYPOINT,
    OTHER
  }

  // Envoy / Istio
  @Nullable EnvoyRole role;
  @Nullable String nodeId;
  @Nullable String istioVersion;
  @Nullable String envoyVersion;
  @Nullable String interceptionMode;
  final Map<String, String> annotations = new LinkedHashMap<>();
  boolean listenersSeen;
  @Nullable Listener virtualInbound;
  final List<Listener> perIpInbound = new ArrayList<>();
  boolean ztunnel;
  /** A config dump, /certs or /server_info was read. */
  boolean envoyPayload;
  /** Istio standard metrics with {@code reporter="destination"} were read: only an Istio sidecar writes them. */
  boolean istioSidecarStats;

  // Certificates
  @Nullable CertInfo cert;

  // Linkerd
  @Nullable Map<String, String> linkerdEnv;
  boolean linkerdMetrics;
  @Nullable Double linkerdCertExpiry;
  @Nullable String linkerdProxyVersion;
  @Nullable String linkerdDefaultPolicyFromMetrics;

  // Proxy health
  /** Envoy plain {@code /stats} values ({@code name: value} lines), by stat name. */
  final Map<String, Double> envoyStats = new TreeMap<>();
  /** Config in error now: {@code "listener NAME: REASON"}, from config_dump {@code error_state}. */
  final java.util.Set<String> rejected = new java.util.LinkedHashSet<>();
  /** {@code process_resident_memory_bytes} / {@code process_cpu_seconds_total} of a Prometheus scrape. */
  @Nullable Double processRss;
  @Nullable Double processCpu;
  /** How many unlabelled {@code process_resident_memory_bytes} samples were seen (more than one: ambiguous). */
  int processRssSamples;
  /** Linkerd {@code control_response_total} by classification: [success, failure]. */
  final long[] linkerdControl = new long[2];
  boolean linkerdControlSeen;
  /** Whether the quit path answered (Istio status port), when checked live. */
  @Nullable Boolean quitAnswered;

  // Observed inbound traffic per target port: [mTLS, plaintext]
  final Map<Integer, long[]> observed = new TreeMap<>();
  @Nullable String observedFrom;
  /** Plaintext inbound connections or requests per client (and port, where labelled), from the same family. */
  final Map<Peer, Long> plaintextPeers = new LinkedHashMap<>();
  /** Linkerd's authorization counters were read ({@code inbound_*_authz_allow_total}, proxies since 2.11). */
  boolean linkerdAuthz;
  /** Plaintext Linkerd's inbound policy let through, per target port, from those counters. */
  final Map<Integer, Long> linkerdAcceptedPlain = new TreeMap<>();
  /** The counters of the previous status read of the same proxy, to tell recent plaintext from old; null if none. */
  @Nullable Traffic previous;

  final List<String> notes = new ArrayList<>();
  final List<String> sources = new ArrayList<>();

  /** A workload certificate. */
  static final class CertInfo {
    final @Nullable String identity;
    final @Nullable Instant notBefore;
    final @Nullable Instant notAfter;
    final String source;
    @Nullable String serial;

    CertInfo(@Nullable String identity, @Nullable Instant notBefore, @Nullable Instant notAfter, String source) {
      this.identity = identity;
      this.notBefore = notBefore;
      this.notAfter = notAfter;
      this.source = source;
    }
  }

  /**
   * Records a workload certificate. One with an identity beats one without; among equals, the one that expires
   * first wins (Envoy lists one entry per TLS context, and the chain's weakest link is what matters).
   */
  void cert(CertInfo c) {
    CertInfo old = cert;
    if (old == null || (old.identity == null && c.identity != null)) {
      cert = c;
    } else if ((old.identity == null) == (c.identity == null)
        && c.notAfter != null
        && (old.notAfter == null || c.notAfter.isBefore(old.notAfter))) {
      cert = c;
    }
  }

  /**
   * A plaintext client as the proxy's counters name it: Istio's {@code source_workload},
   * {@code source_workload_namespace}, {@code source_principal} (no port); Linkerd's {@code target_port} (no client).
   * {@code "unknown"} values are {@code null}.
   */
  static final class Peer {
    final @Nullable Integer port;
    final @Nullable String workload;
    final @Nullable String namespace;
    final @Nullable String principal;

    Peer(@Nullable Integer port, @Nullable String workload, @Nullable String namespace, @Nullable String principal) {
      this.port = port;
      this.workload = known(workload);
      this.namespace = known(namespace);
      this.principal = known(principal);
    }

    private static @Nullable String known(@Nullable String v) {
      return v == null || v.isEmpty() || v.equals("unknown") ? null : v;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Peer)) {
        return false;
      }
      Peer p = (Peer) o;
      return java.util.Objects.equals(port, p.port)
          && java.util.Objects.equals(workload, p.workload)
          && java.util.Objects.equals(namespace, p.namespace)
          && java.util.Objects.equals(principal, p.principal);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(port, workload, namespace, principal);
    }
  }

  /** The traffic counters of one status read, kept by the fetcher until the next read. Immutable. */
  public static final class Traffic {
    final Instant at;
    final Map<Integer, long[]> observed;
    final Map<Peer, Long> peers;
    final Map<Integer, Long> accepted;

    Traffic(Instant at, Map<Integer, long[]> observed, Map<Peer, Long> peers, Map<Integer, Long> accepted) {
      this.at = at;
      Map<Integer, long[]> copy = new TreeMap<>();
      for (Map.Entry<Integer, long[]> c : observed.entrySet()) {
        copy.put(c.getKey(), c.getValue().clone());
      }
      this.observed = copy;
      this.peers = new LinkedHashMap<>(peers);
      this.accepted = new TreeMap<>(accepted);
    }
  }

  /** This evidence's traffic counters, to compare the next read with; {@code null} when no counters were read. */
  public @Nullable Traffic traffic(Instant at) {
    return observedFrom == null ? null : new Traffic(at, observed, plaintextPeers, linkerdAcceptedPlain);
  }

  /** The previous read's counters (from {@link #traffic}), so the derivation can tell recent plaintext from old. */
  public void previous(@Nullable Traffic t) {
    previous = t;
  }

  void observe(int port, boolean mtls, long count) {
    long[] counts = observed.get(port);
    if (counts == null) {
      counts = new long[2];
      observed.put(port, counts);
    }
    counts[mtls ? 0 : 1] += count;
  }

  /** What was read, e.g. {@code "config_dump"}, {@code "certs"}; for reports. */
  public List<String> sources() {
    return sources;
  }

  public void note(String note) {
    notes.add(note);
  }

  /** Whether any Envoy payload (config dump, server_info, certs) was read. */
  boolean envoySeen() {
    return envoyPayload || role != null || listenersSeen || nodeId != null || istioSidecarStats;
  }

  /** Whether any Linkerd payload was read. */
  boolean linkerdSeen() {
    return linkerdEnv != null || linkerdMetrics;
  }
}
