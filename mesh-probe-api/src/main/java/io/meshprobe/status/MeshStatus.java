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

  private MeshStatus(Builder b) {
    this.proxy = b.proxy;
    this.identity = b.identity;
    this.mtls = b.mtls;
    this.ports = Collections.unmodifiableList(new ArrayList<>(b.ports));
    this.observedMtlsShare = b.observedMtlsShare;
    this.findings = Collections.unmodifiableList(new ArrayList<>(b.findings));
    this.notes = Collections.unmodifiableList(new ArrayList<>(b.notes));
    this.takenAt = b.takenAt;
    this.health = b.health;
  }

  /** For the library's internals and tools. */
  public static Builder builder(ProxyInfo proxy, Instant takenAt) {
    return new Builder(proxy, takenAt);
  }

  public ProxyInfo proxy() {
    return proxy;
  }

  /** The workload identity and certificate validity, or {@code null} when nothing of it is known. */
  public @Nullable Identity identity() {
    return identity;
  }

  /** The workload's inbound mTLS mode (the mode of its app ports; see {@code docs/diagnosis.md}). */
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

  /** Builds a {@link MeshStatus}. */
  public static final class Builder {
    private final ProxyInfo proxy;
    private final Instant takenAt;
    private @Nullable Identity identity;
    private MtlsMode mtls = MtlsMode.UNKNOWN;
    private final List<PortStatus> ports = new ArrayList<>();
    private @Nullable Double observedMtlsShare;
    private final List<Finding> findings = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private ProxyHealth health = ProxyHealth.UNKNOWN;

    Builder(ProxyInfo proxy, Instant takenAt) {
      this.proxy = Objects.requireNonNull(proxy, "proxy");
      this.takenAt = Objects.requireNonNull(takenAt, "takenAt");
    }

    public Builder identity(@Nullable Identity identity) {
      this.identity = identity;
      return this;
    }

    public Builder mtls(MtlsMode mtls) {
      this.mtls = Objects.requireNonNull(mtls, "mtls");
      return this;
    }

    public Builder port(PortStatus port) {
      ports.add(Objects.requireNonNull(port, "port"));
      return this;
    }

    public Builder observedMtlsShare(@Nullable Double share) {
      this.observedMtlsShare = share;
      return this;
    }

    public Builder finding(Finding finding) {
      findings.add(Objects.requireNonNull(finding, "finding"));
      return this;
    }

    public Builder note(String note) {
      notes.add(Objects.requireNonNull(note, "note"));
      return this;
    }

    public Builder health(ProxyHealth health) {
      this.health = Objects.requireNonNull(health, "health");
      return this;
    }

    public MeshStatus build() {
      return new MeshStatus(this);
    }
  }
}
