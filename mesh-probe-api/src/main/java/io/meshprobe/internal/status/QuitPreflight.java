package io.meshprobe.internal.status;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.internal.AdminHttp;
import io.meshprobe.internal.ProbeConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Checks at start, without quitting anything, that the quit path will work when the app ends: Istio's pilot-agent
 * status port answers; Linkerd's {@code /env.json} shows {@code LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED=true}. One
 * small request; the caller logs the problem once.
 */
public final class QuitPreflight {
  private QuitPreflight() {}

  /** What is wrong with the quit path, as one line saying what to do; {@code null} when it looks fine or cannot be told. */
  public static @Nullable String problem(AdminHttp http, ProbeConfig config, Detection d) {
    if (d.nativeSidecar()) {
      return null; // Kubernetes stops a native sidecar itself; no quit is made.
    }
    if (d.type() == MeshType.ISTIO_SIDECAR) {
      String url = config.istioStatusUrl + "/healthz/ready";
      try {
        http.get(url); // any HTTP answer: the status server, and with it /quitquitquit, is there
        return null;
      } catch (IOException e) {
        if (!(e instanceof java.net.ConnectException)) {
          return null; // a timeout or a reset says nothing about the port's being disabled: cannot tell
        }
        if (!envoyAnswers(http, config.istioReadinessUrl + "/healthz/ready")) {
          // The whole sidecar is silent: it died or restarts; the status refresh reports that (proxy-unreachable).
          // The annotation is not the cause, so do not blame it.
          return null;
        }
        return "pilot-agent's status port does not answer (" + url + ": " + AdminHttp.describe(e) + "), so quitting the"
            + " proxy at the end will fail and a Job's pod will hang; remove the annotation status.sidecar.istio.io/port: \"0\""
            + " or use native sidecars";
      }
    }
    if (d.type() == MeshType.LINKERD) {
      String url = config.linkerdAdminUrl + "/env.json?" + Derivation.L_SHUTDOWN;
      try {
        AdminHttp.Answer a = http.get(url);
        if (!a.ok()) {
          return null; // an old proxy without /env.json: cannot tell
        }
        Evidence e = new Evidence();
        JsonPayloads.read(new ByteArrayInputStream(a.body().getBytes(StandardCharsets.UTF_8)), e);
        if (e.linkerdEnv != null && !"true".equalsIgnoreCase(e.linkerdEnv.get(Derivation.L_SHUTDOWN))) {
          return "Linkerd's /shutdown endpoint is disabled (" + Derivation.L_SHUTDOWN + " is not true), so quitting the proxy"
              + " at the end will fail and a Job's pod will hang; add the pod annotation"
              + " config.linkerd.io/proxy-admin-shutdown: enabled";
        }
        if (e.linkerdEnv == null) {
          // {"LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED": null} is read as no variables at all: unset = disabled.
          if (a.body().contains(Derivation.L_SHUTDOWN)) {
            return "Linkerd's /shutdown endpoint is disabled (" + Derivation.L_SHUTDOWN + " is unset), so quitting the proxy"
                + " at the end will fail and a Job's pod will hang; add the pod annotation"
                + " config.linkerd.io/proxy-admin-shutdown: enabled";
          }
        }
        return null;
      } catch (IOException | RuntimeException e) {
        return null;
      }
    }
    return null;
  }

  /** Whether Envoy's readiness listener gives any HTTP answer. */
  private static boolean envoyAnswers(AdminHttp http, String url) {
    try {
      http.get(url);
      return true;
    } catch (IOException e) {
      return StatusFetcher.answeredDespite(e);
    }
  }
}
