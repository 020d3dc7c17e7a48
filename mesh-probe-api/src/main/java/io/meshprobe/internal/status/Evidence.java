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
    return envoyPayload || role != null || listenersSeen || nodeId != null;
  }

  /** Whether any Linkerd payload was read. */
  boolean linkerdSeen() {
    return linkerdEnv != null || linkerdMetrics;
  }
}
