package io.meshprobe.status;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The stable {@link Finding#code()}s, one constant each, as raised by the library and documented in
 * {@code docs/diagnosis.md} (a test holds the two to the same list). Compare a finding's code with these rather than
 * with its message, which may be reworded.
 */
public final class FindingCodes {
  /** WARN: no proxy found (namespace not labelled, injection off, pod older than the injection, webhook down). */
  public static final String NO_SIDECAR = "no-sidecar";
  /** INFO: Istio ambient mode; the node's ztunnel carries mTLS and identity. */
  public static final String AMBIENT = "ambient";
  /** WARN: the payload is a gateway's or a waypoint's, not a sidecar's. */
  public static final String NOT_A_SIDECAR = "not-a-sidecar";
  /** WARN: the workload's inbound mode is PERMISSIVE: plaintext is accepted. */
  public static final String MTLS_PERMISSIVE = "mtls-permissive";
  /** ERROR: the workload's inbound mode is DISABLE. */
  public static final String MTLS_DISABLED = "mtls-disabled";
  /** WARN: one app port accepts only plaintext. */
  public static final String PORT_MTLS_DISABLED = "port-mtls-disabled";
  /** WARN (INFO once none is new): the proxy's counters show plaintext inbound on app ports. */
  public static final String MTLS_PLAINTEXT_OBSERVED = "mtls-plaintext-observed";
  /** ERROR: the configuration says STRICT but the proxy accepted plaintext recently. */
  public static final String MTLS_STRICT_NOT_ENFORCED = "mtls-strict-not-enforced";
  /** WARN: a port's protocol is sniffed (AUTO). */
  public static final String PORT_SNIFFED = "port-sniffed";
  /** INFO: a port is raw TCP only. */
  public static final String PORT_RAW_TCP = "port-raw-tcp";
  /** WARN: a port is excluded from interception. */
  public static final String PORT_NOT_INTERCEPTED = "port-not-intercepted";
  /** WARN: little of the workload certificate's lifetime is left. */
  public static final String CERT_EXPIRES_SOON = "cert-expires-soon";
  /** ERROR: the workload certificate has expired. */
  public static final String CERT_EXPIRED = "cert-expired";
  /** WARN: Linkerd's {@code /shutdown} endpoint is off, so a Job's pod hangs after the app exits. */
  public static final String LINKERD_SHUTDOWN_DISABLED = "linkerd-shutdown-disabled";
  /** WARN: Envoy is not connected to its control plane. */
  public static final String CONTROLPLANE_DISCONNECTED = "controlplane-disconnected";
  /** ERROR (a listener in error now) or WARN (rejected updates counted): the proxy rejected configuration. */
  public static final String CONFIG_REJECTED = "config-rejected";
  /** WARN: the proxy's memory is over {@code meshprobe.proxy.memory-budget}. */
  public static final String PROXY_MEMORY_OVER_BUDGET = "proxy-memory-over-budget";
  /** WARN: quitting the proxy would fail (Istio's status port refuses connections while Envoy answers). */
  public static final String QUIT_UNAVAILABLE = "quit-unavailable";
  /** ERROR: Envoy gave up its initial fetch for LDS or CDS and had no successful update: it serves with no configuration. */
  public static final String PROXY_NEVER_CONFIGURED = "proxy-never-configured";
  /** ERROR: the proxy was ready and then stopped answering (the status refresh's liveness rule). */
  public static final String PROXY_UNREACHABLE = "proxy-unreachable";
  /** INFO: the proxy runs as a native sidecar; no quit is needed. */
  public static final String NATIVE_SIDECAR = "native-sidecar";

  private static final List<String> ALL =
      Collections.unmodifiableList(
          Arrays.asList(
              NO_SIDECAR,
              AMBIENT,
              NOT_A_SIDECAR,
              MTLS_PERMISSIVE,
              MTLS_DISABLED,
              PORT_MTLS_DISABLED,
              MTLS_PLAINTEXT_OBSERVED,
              MTLS_STRICT_NOT_ENFORCED,
              PORT_SNIFFED,
              PORT_RAW_TCP,
              PORT_NOT_INTERCEPTED,
              CERT_EXPIRES_SOON,
              CERT_EXPIRED,
              LINKERD_SHUTDOWN_DISABLED,
              CONTROLPLANE_DISCONNECTED,
              CONFIG_REJECTED,
              PROXY_MEMORY_OVER_BUDGET,
              QUIT_UNAVAILABLE,
              PROXY_NEVER_CONFIGURED,
              PROXY_UNREACHABLE,
              NATIVE_SIDECAR));

  private FindingCodes() {}

  /** Every code above, in this order (the order of {@code docs/diagnosis.md}'s table). */
  public static List<String> all() {
    return ALL;
  }
}
