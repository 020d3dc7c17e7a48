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

    Result(boolean ready, boolean refused, String url, String answer) {
      this(ready, refused, url, answer, true);
    }

    Result(boolean ready, boolean refused, String url, String answer, boolean answered) {
      this.ready = ready;
      this.refused = refused;
      this.url = url;
      this.answer = answer;
      this.answered = answered;
    }
  }

  private final ProbeConfig config;
  private final AdminHttp http;

  public ReadinessCheck(ProbeConfig config, AdminHttp http) {
    this.config = config;
    this.http = http;
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
        Result viaEnvoy = get(config.istioReadinessUrl + "/healthz/ready");
        return viaEnvoy.refused ? get(config.istioStatusUrl + "/healthz/ready") : viaEnvoy;
      case LINKERD:
        return get(config.linkerdAdminUrl + "/ready");
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
    Result ready = get(admin + "/ready");
    if (!ready.answer.startsWith("HTTP 404")) {
      return ready;
    }
    String url = admin + "/server_info";
    try {
      AdminHttp.Answer answer = http.get(url);
      NodeInfo node = NodeInfo.read(new ByteArrayInputStream(answer.body().getBytes(StandardCharsets.UTF_8)));
      return new Result("LIVE".equals(node.state()), false, url, "state " + node.state());
    } catch (IOException e) {
      return new Result(false, e instanceof java.net.ConnectException, url, AdminHttp.describe(e), false);
    }
  }

  private Result get(String url) {
    try {
      AdminHttp.Answer answer = http.get(url);
      return new Result(answer.code() == 200, false, url, answer.describe());
    } catch (IOException e) {
      return new Result(false, e instanceof java.net.ConnectException, url, AdminHttp.describe(e), false);
    }
  }
}
