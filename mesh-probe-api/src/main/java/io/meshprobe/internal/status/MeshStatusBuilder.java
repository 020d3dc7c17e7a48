package io.meshprobe.internal.status;

import io.meshprobe.internal.Results;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PlaintextPeer;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.ProxyInfo;
import io.meshprobe.status.StrictReadiness;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Builds a {@link MeshStatus} (its constructor is not API); get one from {@link Results#meshStatus}. */
public final class MeshStatusBuilder {
  private final ProxyInfo proxy;
  private final Instant takenAt;
  private @Nullable Identity identity;
  private MtlsMode mtls = MtlsMode.UNKNOWN;
  private final List<PortStatus> ports = new ArrayList<>();
  private @Nullable Double observedMtlsShare;
  private final List<Finding> findings = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private ProxyHealth health = ProxyHealth.UNKNOWN;
  private MtlsMode configuredMtls = MtlsMode.UNKNOWN;
  private @Nullable Long plaintextCount;
  private @Nullable Long plaintextRecent;
  private @Nullable Instant previousRead;
  private final List<PlaintextPeer> plaintextPeers = new ArrayList<>();
  private StrictReadiness strictReadiness = StrictReadiness.UNKNOWN;

  public MeshStatusBuilder(ProxyInfo proxy, Instant takenAt) {
    this.proxy = Objects.requireNonNull(proxy, "proxy");
    this.takenAt = Objects.requireNonNull(takenAt, "takenAt");
  }

  public MeshStatusBuilder identity(@Nullable Identity identity) {
    this.identity = identity;
    return this;
  }

  public MeshStatusBuilder mtls(MtlsMode mtls) {
    this.mtls = Objects.requireNonNull(mtls, "mtls");
    return this;
  }

  public MeshStatusBuilder port(PortStatus port) {
    ports.add(Objects.requireNonNull(port, "port"));
    return this;
  }

  public MeshStatusBuilder observedMtlsShare(@Nullable Double share) {
    this.observedMtlsShare = share;
    return this;
  }

  public MeshStatusBuilder finding(Finding finding) {
    findings.add(Objects.requireNonNull(finding, "finding"));
    return this;
  }

  public MeshStatusBuilder note(String note) {
    notes.add(Objects.requireNonNull(note, "note"));
    return this;
  }

  public MeshStatusBuilder health(ProxyHealth health) {
    this.health = Objects.requireNonNull(health, "health");
    return this;
  }

  public MeshStatusBuilder configuredMtls(MtlsMode mode) {
    this.configuredMtls = Objects.requireNonNull(mode, "mode");
    return this;
  }

  /**
   * @param count plaintext since the proxy started, or {@code null}
   * @param recent of those, since {@code previousRead}, or {@code null}
   * @param previousRead when the previous read was taken, or {@code null}
   */
  public MeshStatusBuilder plaintext(@Nullable Long count, @Nullable Long recent, @Nullable Instant previousRead) {
    this.plaintextCount = count;
    this.plaintextRecent = recent;
    this.previousRead = previousRead;
    return this;
  }

  public MeshStatusBuilder plaintextPeer(PlaintextPeer peer) {
    plaintextPeers.add(Objects.requireNonNull(peer, "peer"));
    return this;
  }

  public MeshStatusBuilder strictReadiness(StrictReadiness readiness) {
    this.strictReadiness = Objects.requireNonNull(readiness, "readiness");
    return this;
  }

  public MeshStatus build() {
    return Results.statusAccess()
        .meshStatus(
            proxy,
            takenAt,
            identity,
            mtls,
            ports,
            observedMtlsShare,
            findings,
            notes,
            health,
            configuredMtls,
            plaintextCount,
            plaintextRecent,
            previousRead,
            plaintextPeers,
            strictReadiness);
  }
}
