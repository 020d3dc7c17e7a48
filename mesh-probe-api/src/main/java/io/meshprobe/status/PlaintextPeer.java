package io.meshprobe.status;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A client seen talking plaintext to this workload, from the proxy's own inbound counters: one row per client (as far
 * as the proxy names it) and app port (as far as the proxy labels it). Istio's destination-side standard metrics name
 * the client ({@code source_workload}, {@code source_workload_namespace}, {@code source_principal}) but not the port;
 * Linkerd labels the port ({@code target_port}) but names no unauthenticated client. See {@code docs/diagnosis.md}.
 */
public final class PlaintextPeer {
  private final @Nullable Integer port;
  private final @Nullable String workload;
  private final @Nullable String namespace;
  private final @Nullable String principal;
  private final long count;
  private final @Nullable Long recent;

  /**
   * @param port the app port, or {@code null} when the proxy's counters carry none (Istio)
   * @param workload the client's workload name, or {@code null} when the proxy could not tell (a client without a
   *     sidecar; Linkerd never names plaintext clients)
   * @param namespace the client's namespace, or {@code null}
   * @param principal the client's identity, or {@code null} (plaintext clients usually have none)
   * @param count plaintext connections or requests from it since the proxy started
   * @param recent of those, the ones since the previous status read, or {@code null} when there was none to compare with
   */
  PlaintextPeer(
      @Nullable Integer port,
      @Nullable String workload,
      @Nullable String namespace,
      @Nullable String principal,
      long count,
      @Nullable Long recent) {
    this.port = port;
    this.workload = workload;
    this.namespace = namespace;
    this.principal = principal;
    this.count = count;
    this.recent = recent;
  }

  /** The app port, or {@code null} when the proxy's counters carry none (Istio's standard metrics). */
  public @Nullable Integer port() {
    return port;
  }

  /** The client's workload (Istio {@code source_workload}), or {@code null} when unknown. */
  public @Nullable String workload() {
    return workload;
  }

  /** The client's namespace (Istio {@code source_workload_namespace}), or {@code null} when unknown. */
  public @Nullable String namespace() {
    return namespace;
  }

  /** The client's identity (Istio {@code source_principal}), or {@code null} when it presented none. */
  public @Nullable String principal() {
    return principal;
  }

  /** Plaintext connections or requests from this client since the proxy started. */
  public long count() {
    return count;
  }

  /** Plaintext connections or requests since the previous status read, or {@code null} when there was none. */
  public @Nullable Long recent() {
    return recent;
  }

  /** {@code namespace/workload}, the workload alone, or {@code "unidentified clients"}; for reports. */
  public String name() {
    if (workload == null) {
      return "unidentified clients";
    }
    return namespace == null ? workload : namespace + "/" + workload;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PlaintextPeer)) {
      return false;
    }
    PlaintextPeer p = (PlaintextPeer) o;
    return Objects.equals(port, p.port)
        && Objects.equals(workload, p.workload)
        && Objects.equals(namespace, p.namespace)
        && Objects.equals(principal, p.principal)
        && count == p.count
        && Objects.equals(recent, p.recent);
  }

  @Override
  public int hashCode() {
    return Objects.hash(port, workload, namespace, principal, count, recent);
  }

  @Override
  public String toString() {
    return name() + (port == null ? "" : " -> port " + port) + ": " + count + " plaintext" + (recent == null ? "" : " (" + recent + " since the last read)");
  }
}
