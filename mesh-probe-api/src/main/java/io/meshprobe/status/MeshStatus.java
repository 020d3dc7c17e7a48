package io.meshprobe.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of the pod's mesh status: proxy, identity, the workload's inbound mTLS mode, the port table, the
 * observed mTLS share and the findings. Anything that could not be derived is {@code null} or {@code UNKNOWN},
 * never guessed; {@link #notes()} says what could not be read and why.
 */
public final class MeshStatus {
  private final ProxyInfo proxy;
  private final @Nullable Identity identity;
  private final MtlsMode mtls;
  private final List<PortStatus> ports;
  private final @Nullable Double observedMtlsShare;
  private final List<Finding> findings;
  private final List<String> notes;
  private final Instant takenAt;
  private final ProxyHealth health;
  private final MtlsMode configuredMtls;
  private final @Nullable Long plaintextCount;
  private final @Nullable Long plaintextRecent;
  private final @Nullable Instant previousRead;
  private final List<PlaintextPeer> plaintextPeers;
  private final StrictReadiness strictReadiness;

  MeshStatus(
      ProxyInfo proxy,
      Instant takenAt,
      @Nullable Identity identity,
      MtlsMode mtls,
      List<PortStatus> ports,
      @Nullable Double observedMtlsShare,
      List<Finding> findings,
      List<String> notes,
      ProxyHealth health,
      MtlsMode configuredMtls,
      @Nullable Long plaintextCount,
      @Nullable Long plaintextRecent,
      @Nullable Instant previousRead,
      List<PlaintextPeer> plaintextPeers,
      StrictReadiness strictReadiness) {
    this.proxy = Objects.requireNonNull(proxy, "proxy");
    this.takenAt = Objects.requireNonNull(takenAt, "takenAt");
    this.identity = identity;
    this.mtls = Objects.requireNonNull(mtls, "mtls");
    this.ports = Collections.unmodifiableList(new ArrayList<>(ports));
    this.observedMtlsShare = observedMtlsShare;
    this.findings = Collections.unmodifiableList(new ArrayList<>(findings));
    this.notes = Collections.unmodifiableList(new ArrayList<>(notes));
    this.health = Objects.requireNonNull(health, "health");
    this.configuredMtls = Objects.requireNonNull(configuredMtls, "configuredMtls");
    this.plaintextCount = plaintextCount;
    this.plaintextRecent = plaintextRecent;
    this.previousRead = previousRead;
    this.plaintextPeers = Collections.unmodifiableList(new ArrayList<>(plaintextPeers));
    this.strictReadiness = Objects.requireNonNull(strictReadiness, "strictReadiness");
  }

  public ProxyInfo proxy() {
    return proxy;
  }

  /** The workload identity and certificate validity, or {@code null} when nothing of it is known. */
  public @Nullable Identity identity() {
    return identity;
  }

  /**
   * The workload's inbound mTLS mode (the mode of its app ports; see {@code docs/diagnosis.md}): the configured mode,
   * raised to at least {@link MtlsMode#PERMISSIVE} when the proxy's counters show plaintext accepted (evidence beats
   * configuration).
   */
  public MtlsMode mtls() {
    return mtls;
  }

  /** One row per app port, in ascending port order. */
  public List<PortStatus> ports() {
    return ports;
  }

  /** Share (0..1) of inbound app connections or requests seen with mTLS, when the proxy's metrics tell. */
  public @Nullable Double observedMtlsShare() {
    return observedMtlsShare;
  }

  /**
   * The mode the proxy's configuration says (listeners, Linkerd policy), before the counters are taken into account;
   * {@link MtlsMode#UNKNOWN} when it could not be read. Differs from {@link #mtls()} when plaintext was seen.
   */
  public MtlsMode configuredMtls() {
    return configuredMtls;
  }

  /**
   * Plaintext inbound connections or requests to app ports counted by the proxy since it started, or {@code null}
   * when its counters were not read or carry no TLS label.
   */
  public @Nullable Long plaintextCount() {
    return plaintextCount;
  }

  /**
   * Of {@link #plaintextCount()}, those since the previous status read ({@link #previousRead()}), or {@code null} when
   * there was no previous read to compare with (the first read, {@code doctor}, {@code analyze}).
   */
  public @Nullable Long plaintextRecent() {
    return plaintextRecent;
  }

  /** When the previous read whose counters {@link #plaintextRecent()} is measured against was taken, or {@code null}. */
  public @Nullable Instant previousRead() {
    return previousRead;
  }

  /** The clients seen talking plaintext, most first (at most ten per port); empty when none or when not told. */
  public List<PlaintextPeer> plaintextPeers() {
    return plaintextPeers;
  }

  /** Whether the workload can switch to STRICT mTLS without breaking a client, and why. */
  public StrictReadiness strictReadiness() {
    return strictReadiness;
  }

  public List<Finding> findings() {
    return findings;
  }

  /** Whether any finding has {@link Severity#ERROR}. */
  public boolean hasErrors() {
    for (Finding f : findings) {
      if (f.severity() == Severity.ERROR) {
        return true;
      }
    }
    return false;
  }

  /** What could not be read, one line each, e.g. {@code "GET …/certs answered HTTP 404"}. */
  public List<String> notes() {
    return notes;
  }

  /** The proxy's control-plane connection, rejected config, resource use and quit path. */
  public ProxyHealth health() {
    return health;
  }

  /** When the snapshot was taken. */
  public Instant takenAt() {
    return takenAt;
  }

  /** This snapshot as the {@value StatusDocument#SCHEMA} JSON document; see {@link StatusDocument}. */
  public String toJson() {
    return StatusDocument.toJson(this);
  }

  @Override
  public String toString() {
    return "MeshStatus{" + proxy + ", identity=" + identity + ", mtls=" + mtls + ", ports=" + ports + ", health=" + health + ", findings=" + findings + "}";
  }
}
