package io.meshprobe.internal;

import io.meshprobe.Detection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * One readiness check, by mesh:
 *
 * <ul>
 *   <li>Istio: {@code :15021/healthz/ready} (Envoy's listener, routed to pilot-agent; the kubelet's probe since
 *       1.6); while 15021 refuses connections, {@code :15020/healthz/ready}. 200 means ready.
 *   <li>Generic Envoy: {@code /ready} is 200 {@code LIVE}; an Envoy too old to have {@code /ready} (404) is asked
 *       {@code /server_info} and must say {@code "state": "LIVE"}.
 *   <li>Linkerd: {@code :4191/ready} is 200.
 * </ul>
 */
public final class ReadinessCheck {

  /** What one check saw. */
  public static final class Result {
    public final boolean ready;
    /** The proxy refused the connection: it is not listening yet, so checking again soon is cheap. */
    public final boolean refused;
    public final String url;
    public final String answer;
    /**
     * The proxy sent an HTTP answer (any status). False when the connection was refused, reset or timed out: nothing
     * listening answered, which is what the status refresh's liveness rule counts.
     */
    public final boolean answered;
    /** The HTTP status the proxy answered with, or 0 when it sent no HTTP answer (or the check was not HTTP's). */
    public final int code;

    Result(boolean ready, boolean refused, String url, String answer, int code) {
      this(ready, refused, url, answer, true, code);
    }

    Result(boolean ready, boolean refused, String url, String answer, boolean answered) {
      this(ready, refused, url, answer, answered, 0);
    }

    private Result(boolean ready, boolean refused, String url, String answer, boolean answered, int code) {
      this.ready = ready;
      this.refused = refused;
      this.url = url;
      this.answer = answer;
      this.answered = answered;
      this.code = code;
    }
  }

  private final ProbeConfig config;
  private final AdminHttp http;
  // The polled URLs, built once: a poll allocates no URL string.
  private final String istioReady;
  private final String istioStatusReady;
  private final String linkerdReady;
  private volatile @Nullable String envoyReady;

  public ReadinessCheck(ProbeConfig config, AdminHttp http) {
    this.config = config;
    this.http = http;
    this.istioReady = config.istioReadinessUrl + "/healthz/ready";
    this.istioStatusReady = config.istioStatusUrl + "/healthz/ready";
    this.linkerdReady = config.linkerdAdminUrl + "/ready";
  }

  /** Polls are this fast (one interval apart) for the first {@value #FAST_MILLIS} ms of a wait. */
  static final long FAST_MILLIS = 2000;
  /** Until then the pause grows in proportion to the time waited ({@code interval × waited / 2 s}: 1.5× at 3 s). */
  static final long STARTUP_MILLIS = 3000;
  /** The longest pause, in intervals (100 ms at the default 8 ms; reached at about 6.4 s). */
  static final double MAX_FACTOR = 12.5;

  /**
   * The pause before the next check, in ns; every phase scales with {@code meshprobe.wait.interval} ({@code
   * intervalNanos}, 8 ms by default). A proxy that refuses connections is not listening yet, so asking again costs
   * almost nothing: half the pause.
   *
   * <ul>
   *   <li><b>The first 2 s</b>: the interval. A proxy started with the pod turns ready within its first seconds
   *       (Envoy's bootstrap, then the control plane's first configuration push): the app goes a few ms after it.
   *   <li><b>2 s to 3 s</b>: {@code interval × waited / 2 s}, up to 1.5 intervals (12 ms) at 3 s.
   *   <li><b>After 3 s</b>: a proxy still not ready waits on its control plane (an istiod that is slow or
   *       unreachable, a certificate not signed yet), which takes seconds to minutes. The pause then grows with the
   *       cube of the time waited, {@code 1.5 × interval × (waited / 3 s)³}, up to 12.5 intervals
   *       (100 ms at about 6.4 s). The release then comes at most ~1.6 % of the time already waited after the proxy
   *       turns ready, and a long wait polls 10 times a second.
   * </ul>
   *
   * Why not the interval throughout: on a small VM every wake-up of the polling thread costs ~0.1-0.2 ms of CPU, and
   * the exchange about as much again, so 125 polls a second cost 3-4 % of a core (see docs/benchmarks.md, figure 2).
   */
  public static long pause(long intervalNanos, long waitedNanos, boolean refused) {
    long base = refused ? intervalNanos / 2 : intervalNanos;
    long fast = FAST_MILLIS * 1_000_000L;
    if (waitedNanos <= fast) {
      return base;
    }
    long startup = STARTUP_MILLIS * 1_000_000L;
    if (waitedNanos <= startup) {
      return (long) (base * ((double) waitedNanos / fast));
    }
    double r = (double) waitedNanos / startup;
    return (long) (base * Math.min(MAX_FACTOR, 1.5 * r * r * r));
  }

  /** The URL that {@link #check} polls first for this mesh, for log lines. */
  public @Nullable String primaryUrl(Detection detection) {
    switch (detection.type()) {
      case ISTIO_SIDECAR:
        return config.istioReadinessUrl + "/healthz/ready";
      case LINKERD:
        return config.linkerdAdminUrl + "/ready";
      case ENVOY:
        return detection.adminUrl() == null ? null : detection.adminUrl() + "/ready";
      default:
        return null;
    }
  }

  public Result check(Detection detection) {
    switch (detection.type()) {
      case ISTIO_SIDECAR:
        Result viaEnvoy = get(istioReady);
        return viaEnvoy.refused ? get(istioStatusReady) : viaEnvoy;
      case LINKERD:
        return get(linkerdReady);
      case ENVOY:
        return envoy(detection.adminUrl());
      default:
        return new Result(false, false, "", "no proxy", false);
    }
  }

  private Result envoy(@Nullable String admin) {
    if (admin == null) {
      return new Result(false, true, "", "no Envoy admin found yet", false);
    }
    String readyUrl = envoyReady;
    if (readyUrl == null || readyUrl.length() != admin.length() + 6 || !readyUrl.startsWith(admin)) {
      readyUrl = admin + "/ready";
      envoyReady = readyUrl;
    }
    Result ready = get(readyUrl);
    if (ready.code != 404) {
      return ready;
    }
    String url = admin + "/server_info";
    try {
      AdminHttp.Answer answer = http.get(url);
      NodeInfo node = NodeInfo.read(new ByteArrayInputStream(answer.body().getBytes(StandardCharsets.UTF_8)));
      return new Result("LIVE".equals(node.state()), false, url, "state " + node.state(), answer.code());
    } catch (IOException e) {
      return new Result(false, e instanceof java.net.ConnectException, url, AdminHttp.describe(e), false);
    }
  }

  private Result get(String url) {
    try {
      AdminHttp.Answer answer = http.get(url);
      return new Result(answer.code() == 200, false, url, answer.describe(), answer.code());
    } catch (IOException e) {
      return new Result(false, e instanceof java.net.ConnectException, url, AdminHttp.describe(e), false);
    }
  }
}
