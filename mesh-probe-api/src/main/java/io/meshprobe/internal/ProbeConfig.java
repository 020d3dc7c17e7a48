package io.meshprobe.internal;

import io.meshprobe.MeshType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A probe's resolved configuration: every value already taken from code, system properties, environment or default, and checked. */
public final class ProbeConfig {
  public final boolean enabled;
  /** {@code null} means auto-detect. */
  public final @Nullable MeshType mesh;
  public final Duration detectWindow;
  public final Path podInfoDir;
  public final Path procNet;
  /** Whether this JVM runs in a Kubernetes pod; outside one the detection window is skipped. */
  public final boolean inKubernetes;
  public final Duration waitTimeout;
  public final boolean failOnTimeout;
  public final Duration waitInterval;
  public final Duration quitTimeout;
  public final List<String> extraQuitUrls;
  public final String istioStatusUrl;
  public final String istioReadinessUrl;
  public final String istioAdminUrl;
  /** {@code null}: try the generic Envoy admin ports. */
  public final @Nullable String envoyAdminUrl;
  public final String linkerdAdminUrl;
  public final Duration httpTimeout;
  public final long maxBody;
  /** Zero: refresh only on demand. */
  public final Duration statusRefresh;
  /** Configured app ports; empty means "find them". */
  public final List<Integer> ports;
  /** Zero turns the check off. */
  public final long proxyMemoryBudget;
  public final boolean quitPreflight;

  public ProbeConfig(
      boolean enabled,
      @Nullable MeshType mesh,
      Duration detectWindow,
      Path podInfoDir,
      Path procNet,
      boolean inKubernetes,
      Duration waitTimeout,
      boolean failOnTimeout,
      Duration waitInterval,
      Duration quitTimeout,
      List<String> extraQuitUrls,
      String istioStatusUrl,
      String istioReadinessUrl,
      String istioAdminUrl,
      @Nullable String envoyAdminUrl,
      String linkerdAdminUrl,
      Duration httpTimeout,
      long maxBody,
      Duration statusRefresh,
      List<Integer> ports,
      long proxyMemoryBudget,
      boolean quitPreflight) {
    this.enabled = enabled;
    this.mesh = mesh;
    this.detectWindow = detectWindow;
    this.podInfoDir = podInfoDir;
    this.procNet = procNet;
    this.inKubernetes = inKubernetes;
    this.waitTimeout = waitTimeout;
    this.failOnTimeout = failOnTimeout;
    this.waitInterval = waitInterval;
    this.quitTimeout = quitTimeout;
    this.extraQuitUrls = extraQuitUrls;
    this.istioStatusUrl = istioStatusUrl;
    this.istioReadinessUrl = istioReadinessUrl;
    this.istioAdminUrl = istioAdminUrl;
    this.envoyAdminUrl = envoyAdminUrl;
    this.linkerdAdminUrl = linkerdAdminUrl;
    this.httpTimeout = httpTimeout;
    this.maxBody = maxBody;
    this.statusRefresh = statusRefresh;
    this.ports = ports;
    this.proxyMemoryBudget = proxyMemoryBudget;
    this.quitPreflight = quitPreflight;
  }
}
