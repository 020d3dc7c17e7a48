package io.meshprobe.internal;

import io.meshprobe.MeshType;
import io.meshprobe.internal.status.StatusFetcher;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A probe's resolved configuration: every value already taken from code, system properties, environment or default, and
 * checked. Built from what a {@code MeshProbe.Builder} recorded; adding an option means a {@link MeshProbeKey} (which
 * the README's table documents), a field and one line here, and the builder's setter.
 */
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

  /**
   * Resolves every option: the value set in code wins, then the system property, then the environment variable, then
   * the default. This constructor is the one place that knows an option's type and checks: a builder only records what
   * was set in code ({@code setInCode}), so copying a builder copies every option, whatever options come later.
   *
   * @param setInCode the values set on the builder, by key, already checked by its setters; a key may map to
   *     {@code null} where null is a value ({@link MeshProbeKey#MESH}: auto)
   * @throws IllegalArgumentException when an admin or quit URL is malformed, or not loopback while remote admin URLs
   *     are not allowed, or a value set in code has the wrong type (a builder bug)
   */
  public ProbeConfig(Map<MeshProbeKey, ? extends @Nullable Object> setInCode, Settings.Source source, Path procNet) {
    // Plain calls, no lambdas or method references: this runs in the agent's premain, where every lambda spins a class
    // through invokedynamic in a cold JVM (18 of them here cost ~18 ms before main).
    Layers c = new Layers(setInCode, new Settings(source));
    Settings s = c.s;
    boolean allowRemote = c.isSet(MeshProbeKey.ADMIN_ALLOW_REMOTE) ? c.code(MeshProbeKey.ADMIN_ALLOW_REMOTE, Boolean.class) : s.bool(MeshProbeKey.ADMIN_ALLOW_REMOTE);
    this.enabled = c.isSet(MeshProbeKey.ENABLED) ? c.code(MeshProbeKey.ENABLED, Boolean.class) : s.bool(MeshProbeKey.ENABLED);
    this.mesh =
        c.isSet(MeshProbeKey.MESH)
            ? c.code(MeshProbeKey.MESH, MeshType.class)
            : parseMesh(s.choice(MeshProbeKey.MESH, "auto", "istio", "linkerd", "envoy", "ambient", "none"));
    this.detectWindow = c.duration(MeshProbeKey.DETECT_WINDOW);
    this.podInfoDir = c.isSet(MeshProbeKey.PODINFO_DIR) ? c.code(MeshProbeKey.PODINFO_DIR, Path.class) : Paths.get(s.string(MeshProbeKey.PODINFO_DIR));
    this.procNet = procNet;
    boolean windowExplicit = setInCode.containsKey(MeshProbeKey.DETECT_WINDOW) || s.raw(MeshProbeKey.DETECT_WINDOW.key()) != null;
    this.inKubernetes = windowExplicit || source.env("KUBERNETES_SERVICE_HOST") != null;
    this.waitTimeout = c.duration(MeshProbeKey.WAIT_TIMEOUT);
    this.failOnTimeout =
        c.isSet(MeshProbeKey.WAIT_ON_TIMEOUT)
            ? c.code(MeshProbeKey.WAIT_ON_TIMEOUT, Boolean.class)
            : parseOnTimeout(s.choice(MeshProbeKey.WAIT_ON_TIMEOUT, "continue", "fail"));
    this.waitInterval = c.positiveDuration(MeshProbeKey.WAIT_INTERVAL);
    this.quitTimeout = c.positiveDuration(MeshProbeKey.QUIT_TIMEOUT);
    List<?> extra =
        c.isSet(MeshProbeKey.QUIT_EXTRA_URLS) ? c.code(MeshProbeKey.QUIT_EXTRA_URLS, List.class) : split(s.string(MeshProbeKey.QUIT_EXTRA_URLS));
    List<String> checkedExtra = new ArrayList<>();
    for (Object url : extra) {
      checkedExtra.add(Urls.checked(MeshProbeKey.QUIT_EXTRA_URLS.key(), (String) url, allowRemote));
    }
    this.extraQuitUrls = Collections.unmodifiableList(checkedExtra);
    this.istioStatusUrl = c.url(MeshProbeKey.ISTIO_STATUS_URL, allowRemote);
    this.istioReadinessUrl = c.url(MeshProbeKey.ISTIO_READINESS_URL, allowRemote);
    this.istioAdminUrl = c.url(MeshProbeKey.ISTIO_ADMIN_URL, allowRemote);
    String envoy = c.string(MeshProbeKey.ENVOY_ADMIN_URL);
    this.envoyAdminUrl = envoy.isEmpty() ? null : Urls.checked(MeshProbeKey.ENVOY_ADMIN_URL.key(), envoy, allowRemote);
    this.linkerdAdminUrl = c.url(MeshProbeKey.LINKERD_ADMIN_URL, allowRemote);
    this.httpTimeout = c.positiveDuration(MeshProbeKey.HTTP_TIMEOUT);
    this.maxBody = c.isSet(MeshProbeKey.HTTP_MAX_BODY) ? c.code(MeshProbeKey.HTTP_MAX_BODY, Long.class) : s.positiveBytes(MeshProbeKey.HTTP_MAX_BODY);
    this.statusRefresh = c.duration(MeshProbeKey.STATUS_REFRESH);
    List<?> portList;
    if (c.isSet(MeshProbeKey.PORTS)) {
      portList = c.code(MeshProbeKey.PORTS, List.class);
    } else {
      String csv = s.string(MeshProbeKey.PORTS);
      // StatusFetcher (a large class) is only loaded when there is something to parse.
      portList = csv.trim().isEmpty() ? Collections.emptyList() : StatusFetcher.parsePorts(csv);
    }
    List<Integer> ports = new ArrayList<>();
    for (Object p : portList) {
      ports.add((Integer) p);
    }
    this.ports = Collections.unmodifiableList(ports);
    this.proxyMemoryBudget = c.isSet(MeshProbeKey.PROXY_MEMORY_BUDGET) ? c.code(MeshProbeKey.PROXY_MEMORY_BUDGET, Long.class) : s.bytes(MeshProbeKey.PROXY_MEMORY_BUDGET);
    this.quitPreflight = c.isSet(MeshProbeKey.QUIT_PREFLIGHT) ? c.code(MeshProbeKey.QUIT_PREFLIGHT, Boolean.class) : s.bool(MeshProbeKey.QUIT_PREFLIGHT);
  }

  /** The two layers of a value: set in code, else read by {@link Settings} (property, environment, default). */
  private static final class Layers {
    final Map<MeshProbeKey, ? extends @Nullable Object> set;
    final Settings s;

    Layers(Map<MeshProbeKey, ? extends @Nullable Object> set, Settings s) {
      this.set = set;
      this.s = s;
    }

    boolean isSet(MeshProbeKey key) {
      return set.containsKey(key);
    }

    /** The value set in code; {@code null} only where code may set null ({@link MeshProbeKey#MESH}, auto). */
    <T> T code(MeshProbeKey key, Class<T> type) {
      Object v = set.get(key);
      if (v != null && !type.isInstance(v)) {
        throw new IllegalArgumentException(key.key() + " was set in code as a " + v.getClass().getName() + ", not a " + type.getName());
      }
      return type.cast(v);
    }

    String string(MeshProbeKey key) {
      return isSet(key) ? code(key, String.class) : s.string(key);
    }

    Duration duration(MeshProbeKey key) {
      return isSet(key) ? code(key, Duration.class) : s.duration(key);
    }

    Duration positiveDuration(MeshProbeKey key) {
      return isSet(key) ? code(key, Duration.class) : s.positiveDuration(key);
    }

    String url(MeshProbeKey key, boolean allowRemote) {
      return Urls.checked(key.key(), string(key), allowRemote);
    }
  }

  private static List<String> split(String csv) {
    List<String> list = new ArrayList<>();
    for (String part : csv.split(",")) {
      if (!part.trim().isEmpty()) {
        list.add(part.trim());
      }
    }
    return list;
  }

  /** {@code meshprobe.mesh}: {@code null} for {@code auto}. */
  public static @Nullable MeshType parseMesh(String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "auto":
        return null;
      case "istio":
        return MeshType.ISTIO_SIDECAR;
      case "linkerd":
        return MeshType.LINKERD;
      case "envoy":
        return MeshType.ENVOY;
      case "ambient":
        return MeshType.ISTIO_AMBIENT;
      case "none":
        return MeshType.NONE;
      default:
        throw new IllegalArgumentException(
            "meshprobe.mesh must be auto, istio, linkerd, envoy, ambient or none, but was '" + value + "'");
    }
  }

  /** {@code meshprobe.wait.on-timeout}: whether a timed-out wait fails. */
  public static boolean parseOnTimeout(String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "continue":
        return false;
      case "fail":
        return true;
      default:
        throw new IllegalArgumentException("meshprobe.wait.on-timeout must be continue or fail, but was '" + value + "'");
    }
  }
}
