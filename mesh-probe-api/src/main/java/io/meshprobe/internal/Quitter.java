package io.meshprobe.internal;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.QuitOutcome;
import io.meshprobe.QuitResult;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks the proxy to exit, the way each mesh wants it:
 *
 * <ul>
 *   <li>Istio: {@code POST :15020/quitquitquit} (pilot-agent; since 1.3), then Envoy's {@code POST :15000/quitquitquit}
 *       when pilot-agent does not accept it (status port disabled, very old Istio).
 *   <li>Linkerd: {@code POST :4191/shutdown}. A 404 {@code shutdown endpoint is not enabled} (the default since
 *       June 2024) is reported with the annotation that turns it on.
 *   <li>Generic Envoy: {@code POST <admin>/quitquitquit}.
 *   <li>Skipped, with the reason: no proxy, ambient mode, or a native sidecar (the kubelet stops it after the app;
 *       quitting it early makes the kubelet restart it).
 * </ul>
 *
 * Then every {@code meshprobe.quit.extra-urls} entry is POSTed. The whole thing is bounded by
 * {@code meshprobe.quit.timeout}.
 */
public final class Quitter {
  static final String LINKERD_HINT =
      "set the pod annotation config.linkerd.io/proxy-admin-shutdown: enabled (or run the proxy as a native sidecar)";

  private final ProbeConfig config;
  private final AdminHttp http;

  public Quitter(ProbeConfig config, AdminHttp http) {
    this.config = config;
    this.http = http;
  }

  public QuitResult quit(Detection detection, long deadlineNanos) {
    QuitResult mesh = quitMesh(detection, deadlineNanos);
    if (config.extraQuitUrls.isEmpty()) {
      return mesh;
    }
    List<QuitResult> all = new ArrayList<>();
    all.add(mesh);
    for (String url : config.extraQuitUrls) {
      all.add(post(url, deadlineNanos, "extra quit " + url));
    }
    return combine(all);
  }

  // No switch on an enum here: javac compiles it to a synthetic class (Quitter$1) that the first quit would load and
  // verify between the app's last shutdown hook and the request. Up to the request's write, a quit loads no class.
  private QuitResult quitMesh(Detection detection, long deadlineNanos) {
    MeshType type = detection.type();
    if (type == MeshType.NONE) {
      return Results.quitResult(QuitOutcome.SKIPPED, "no mesh proxy, nothing to quit");
    }
    if (type == MeshType.ISTIO_AMBIENT) {
      return Results.quitResult(QuitOutcome.SKIPPED, "istio ambient mode: ztunnel runs on the node, nothing to quit");
    }
    if (detection.nativeSidecar()) {
      return Results.quitResult(
          QuitOutcome.SKIPPED,
          detection.mesh() + " proxy is a native sidecar: the kubelet stops it after the app, and a quit would make it restart the proxy");
    }
    if (type == MeshType.ISTIO_SIDECAR) {
      QuitResult agent = post(config.istioStatusUrl + "/quitquitquit", deadlineNanos, "pilot-agent");
      if (agent.outcome() == QuitOutcome.SUCCESS) {
        return agent;
      }
      QuitResult envoy = post(config.istioAdminUrl + "/quitquitquit", deadlineNanos, "Envoy admin");
      return envoy.outcome() == QuitOutcome.SUCCESS
          ? Results.quitResult(QuitOutcome.SUCCESS, envoy.message() + " (after " + agent.message() + ")")
          : Results.quitResult(QuitOutcome.FAILED, agent.message() + "; " + envoy.message());
    }
    if (type == MeshType.LINKERD) {
      return linkerd(deadlineNanos);
    }
    if (type == MeshType.ENVOY) {
      if (detection.adminUrl() == null) {
        return Results.quitResult(QuitOutcome.FAILED, "no Envoy admin URL known; set meshprobe.envoy.admin-url");
      }
      return post(detection.adminUrl() + "/quitquitquit", deadlineNanos, detection.mesh() + " Envoy admin");
    }
    return Results.quitResult(QuitOutcome.SKIPPED, "nothing to quit");
  }

  private QuitResult linkerd(long deadlineNanos) {
    String url = config.linkerdAdminUrl + "/shutdown";
    try {
      AdminHttp.Answer answer = http.post(url, remaining(deadlineNanos));
      if (answer.ok()) {
        return Results.quitResult(QuitOutcome.SUCCESS, "linkerd-proxy accepted POST " + url);
      }
      if (answer.code() == 404 && answer.body().contains("not enabled")) {
        return Results.quitResult(
            QuitOutcome.ENDPOINT_DISABLED,
            "linkerd-proxy's shutdown endpoint is disabled, so the proxy keeps running and a Job will not complete: "
                + LINKERD_HINT);
      }
      return Results.quitResult(QuitOutcome.FAILED, "linkerd-proxy answered POST " + url + " with " + answer.describe());
    } catch (IOException e) {
      return Results.quitResult(QuitOutcome.FAILED, "POST " + url + " failed: " + AdminHttp.describe(e));
    }
  }

  private QuitResult post(String url, long deadlineNanos, String who) {
    Duration left = remaining(deadlineNanos);
    if (left.isZero()) {
      return Results.quitResult(QuitOutcome.FAILED, "no time left to POST " + url + " (meshprobe.quit.timeout)");
    }
    try {
      AdminHttp.Answer answer = http.post(url, left);
      if (answer.ok()) {
        return Results.quitResult(QuitOutcome.SUCCESS, who + " accepted POST " + url);
      }
      return Results.quitResult(QuitOutcome.FAILED, who + " answered POST " + url + " with " + answer.describe());
    } catch (IOException e) {
      return Results.quitResult(QuitOutcome.FAILED, "POST " + url + " failed: " + AdminHttp.describe(e));
    }
  }

  private static Duration remaining(long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
  }

  /** The worst outcome wins, except that a skipped mesh quit does not hide extra quits that worked. */
  static QuitResult combine(List<QuitResult> results) {
    QuitOutcome outcome = QuitOutcome.SKIPPED;
    StringBuilder message = new StringBuilder();
    for (QuitResult r : results) {
      outcome = worse(outcome, r.outcome());
      if (message.length() > 0) {
        message.append("; ");
      }
      message.append(r.message());
    }
    return Results.quitResult(outcome, message.toString());
  }

  private static QuitOutcome worse(QuitOutcome a, QuitOutcome b) {
    return rank(b) > rank(a) ? b : a;
  }

  private static int rank(QuitOutcome o) {
    return o == QuitOutcome.SKIPPED ? 0 : o == QuitOutcome.SUCCESS ? 1 : o == QuitOutcome.ENDPOINT_DISABLED ? 2 : 3;
  }
}
