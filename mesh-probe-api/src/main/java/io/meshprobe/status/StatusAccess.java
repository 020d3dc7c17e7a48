package io.meshprobe.status;

import io.meshprobe.internal.Results;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The constructors of this package's value types, for {@link Results}; registered by {@link ProxyHealth}. */
final class StatusAccess implements Results.Status {
  @Override
  public MeshStatus meshStatus(
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
    return new MeshStatus(
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

  @Override
  public ProxyHealth proxyHealth(
      Tristate controlPlaneConnected,
      @Nullable Instant lastConfigUpdate,
      @Nullable Long configRejected,
      List<String> rejectedConfigs,
      @Nullable Long memoryBytes,
      @Nullable Double cpuSeconds,
      Tristate quitAvailable) {
    return new ProxyHealth(
        controlPlaneConnected, lastConfigUpdate, configRejected, rejectedConfigs, memoryBytes, cpuSeconds, quitAvailable);
  }

  @Override
  public Finding finding(String code, Severity severity, String message) {
    return new Finding(code, severity, message);
  }

  @Override
  public Identity identity(@Nullable String name, @Nullable Instant notBefore, @Nullable Instant notAfter, String source) {
    return new Identity(name, notBefore, notAfter, source);
  }

  @Override
  public PortStatus portStatus(
      int port, PortProtocol protocol, MtlsMode mtls, Tristate intercepted, @Nullable Double observedMtlsShare) {
    return new PortStatus(port, protocol, mtls, intercepted, observedMtlsShare);
  }

  @Override
  public ProxyInfo proxyInfo(ProxyKind kind, String mesh, @Nullable String version, Tristate nativeSidecar) {
    return new ProxyInfo(kind, mesh, version, nativeSidecar);
  }

  @Override
  public PlaintextPeer plaintextPeer(
      @Nullable Integer port,
      @Nullable String workload,
      @Nullable String namespace,
      @Nullable String principal,
      long count,
      @Nullable Long recent) {
    return new PlaintextPeer(port, workload, namespace, principal, count, recent);
  }

  @Override
  public StrictReadiness strictReadiness(Tristate ready, List<String> reasons) {
    return new StrictReadiness(ready, reasons);
  }
}
