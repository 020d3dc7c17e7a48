package io.meshprobe.internal;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.QuitOutcome;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.status.Finding;
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
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Makes the public result types ({@link WaitResult}, {@link QuitResult}, {@link Detection} and the
 * {@code io.meshprobe.status} values), whose constructors are not public: the library's internals, the agent and
 * their tests build them here. Users only receive them, so the API does not promise how they are made.
 *
 * <p>How: each public package has a package-private class that calls the constructors ({@code io.meshprobe.ApiAccess},
 * {@code io.meshprobe.status.StatusAccess}) and registers itself from the static initialiser of {@link MeshType} and
 * {@link ProxyHealth}; the first use here reads a static field of that class, which runs its initialiser (the JDK's
 * {@code SharedSecrets} pattern, without reflection).
 */
public final class Results {
  /** The constructors of {@code io.meshprobe}'s result types. */
  public interface Api {
    Detection detection(
        MeshType type,
        Detection.Source sourceKind,
        String source,
        @Nullable String mesh,
        @Nullable String version,
        boolean nativeSidecar,
        boolean certain,
        @Nullable String adminUrl);

    WaitResult waitResult(
        WaitOutcome outcome, Duration waited, Detection detection, @Nullable String url, @Nullable String lastAnswer);

    QuitResult quitResult(QuitOutcome outcome, String message);
  }

  /** The constructors of {@code io.meshprobe.status}'s values. */
  public interface Status {
    MeshStatus meshStatus(
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
        StrictReadiness strictReadiness);

    ProxyHealth proxyHealth(
        Tristate controlPlaneConnected,
        @Nullable Instant lastConfigUpdate,
        @Nullable Long configRejected,
        List<String> rejectedConfigs,
        @Nullable Long memoryBytes,
        @Nullable Double cpuSeconds,
        Tristate quitAvailable);

    Finding finding(String code, Severity severity, String message);

    Identity identity(@Nullable String name, @Nullable Instant notBefore, @Nullable Instant notAfter, String source);

    PortStatus portStatus(int port, PortProtocol protocol, MtlsMode mtls, Tristate intercepted, @Nullable Double observedMtlsShare);

    ProxyInfo proxyInfo(ProxyKind kind, String mesh, @Nullable String version, Tristate nativeSidecar);

    PlaintextPeer plaintextPeer(
        @Nullable Integer port,
        @Nullable String workload,
        @Nullable String namespace,
        @Nullable String principal,
        long count,
        @Nullable Long recent);

    StrictReadiness strictReadiness(Tristate ready, List<String> reasons);
  }

  private static volatile @Nullable Api api;
  private static volatile @Nullable Status status;

  private Results() {}

  /** Called once, by {@link MeshType}'s static initialiser; later calls are ignored. */
  public static void register(Api access) {
    if (api == null) {
      api = access;
    }
  }

  /** Called once, by {@link ProxyHealth}'s static initialiser; later calls are ignored. */
  public static void register(Status access) {
    if (status == null) {
      status = access;
    }
  }

  static Api api() {
    Api a = api;
    if (a == null) {
      initialized(MeshType.NONE); // getstatic runs MeshType's initialiser, which registers
      a = api;
    }
    if (a == null) {
      throw new IllegalStateException("io.meshprobe.MeshType did not register its access");
    }
    return a;
  }

  static Status status() {
    Status s = status;
    if (s == null) {
      initialized(ProxyHealth.UNKNOWN); // getstatic runs ProxyHealth's initialiser, which registers
      s = status;
    }
    if (s == null) {
      throw new IllegalStateException("io.meshprobe.status.ProxyHealth did not register its access");
    }
    return s;
  }

  /** Takes the value of a static field, so that its class is initialised (JVMS 5.5). */
  private static void initialized(Object staticFieldValue) {
    Objects.requireNonNull(staticFieldValue);
  }

  // ---------------------------------------------------------------- io.meshprobe

  /** A detection; see {@link DetectionBuilder} for the optional parts. */
  public static DetectionBuilder detection(MeshType type, Detection.Source sourceKind, String source) {
    return DetectionBuilder.of(type, sourceKind, source);
  }

  public static WaitResult waitResult(
      WaitOutcome outcome, Duration waited, Detection detection, @Nullable String url, @Nullable String lastAnswer) {
    return api().waitResult(outcome, waited, detection, url, lastAnswer);
  }

  public static QuitResult quitResult(QuitOutcome outcome, String message) {
    return api().quitResult(outcome, message);
  }

  // ---------------------------------------------------------------- io.meshprobe.status

  /** The proxy process of a mesh type: {@link Detection#proxy()} is its {@link ProxyKind#id()}. */
  public static ProxyKind proxyKind(MeshType type) {
    switch (type) {
      case ISTIO_SIDECAR:
      case ENVOY:
        return ProxyKind.ENVOY;
      case LINKERD:
        return ProxyKind.LINKERD2_PROXY;
      case ISTIO_AMBIENT:
        return ProxyKind.ZTUNNEL;
      default:
        return ProxyKind.NONE;
    }
  }

  /** A status snapshot; see {@link io.meshprobe.internal.status.MeshStatusBuilder} for the parts. */
  public static io.meshprobe.internal.status.MeshStatusBuilder meshStatus(ProxyInfo proxy, Instant takenAt) {
    return new io.meshprobe.internal.status.MeshStatusBuilder(proxy, takenAt);
  }

  public static io.meshprobe.internal.status.ProxyHealthBuilder proxyHealth() {
    return new io.meshprobe.internal.status.ProxyHealthBuilder();
  }

  public static Finding finding(String code, Severity severity, String message) {
    return status().finding(code, severity, message);
  }

  public static Identity identity(@Nullable String name, @Nullable Instant notBefore, @Nullable Instant notAfter, String source) {
    return status().identity(name, notBefore, notAfter, source);
  }

  public static PortStatus portStatus(
      int port, PortProtocol protocol, MtlsMode mtls, Tristate intercepted, @Nullable Double observedMtlsShare) {
    return status().portStatus(port, protocol, mtls, intercepted, observedMtlsShare);
  }

  public static ProxyInfo proxyInfo(ProxyKind kind, String mesh, @Nullable String version, Tristate nativeSidecar) {
    return status().proxyInfo(kind, mesh, version, nativeSidecar);
  }

  public static PlaintextPeer plaintextPeer(
      @Nullable Integer port,
      @Nullable String workload,
      @Nullable String namespace,
      @Nullable String principal,
      long count,
      @Nullable Long recent) {
    return status().plaintextPeer(port, workload, namespace, principal, count, recent);
  }

  public static StrictReadiness strictReadiness(Tristate ready, List<String> reasons) {
    return status().strictReadiness(ready, reasons);
  }

  /** For {@link io.meshprobe.internal.status.MeshStatusBuilder} and its health twin. */
  public static Status statusAccess() {
    return status();
  }
}
