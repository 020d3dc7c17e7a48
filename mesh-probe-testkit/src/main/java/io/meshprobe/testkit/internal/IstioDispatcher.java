package io.meshprobe.testkit.internal;

import java.io.IOException;
import java.util.Set;

import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;

/**
 * An Istio sidecar: the pilot-agent status server ({@code ISTIO_STATUS}, Go {@code net/http}), Envoy's static
 * readiness listener that routes {@code /healthz/ready} to it ({@code ISTIO_READINESS}), and the Envoy admin
 * ({@code ENVOY_ADMIN}, an {@link EnvoyDispatcher} serving an Istio config_dump).
 */
public final class IstioDispatcher extends Dispatcher {

  /**
   * Default {@code /config_dump} under Istio: it has a bootstrap with {@code sidecar.istio.io/status},
   * {@code ISTIO_VERSION} and excludeInboundPorts.
   */
  public static final String CONFIG_DUMP = "istio/sidecar-1.3-productpage-permissive-http.config_dump.json";

  static final Set<String> STATUS_PATHS = paths("/healthz/ready", "/quitquitquit", "/drain", "/stats/prometheus",
      "/metrics");
  static final Set<String> READINESS_PATHS = paths("/healthz/ready");

  private final Host host;
  private final EnvoyDispatcher envoy;

  IstioDispatcher(Scenario scenario, Host host) {
    this.host = host;
    this.envoy = new EnvoyDispatcher(scenario, CONFIG_DUMP, true, host);
  }

  @Override
  public void dispatch(SidecarPort port, RecordedRequest r, MiniHttpServer.Exchange ex, boolean ready)
      throws IOException {
    switch (port) {
      case ISTIO_STATUS:
        pilotAgent(r, ex, ready);
        break;
      case ISTIO_READINESS:
        readinessListener(r, ex, ready);
        break;
      default:
        envoy.dispatch(port, r, ex, ready);
        break;
    }
  }

  @Override
  public void setControlPlaneConnected(boolean connected) {
    envoy.setControlPlaneConnected(connected);
  }

  /** pilot-agent, pilot/cmd/pilot-agent/status/server.go (Go net/http). */
  private void pilotAgent(RecordedRequest r, MiniHttpServer.Exchange ex, boolean ready) throws IOException {
    Response.Style go = Response.Style.GO;
    String path = r.path();
    if (path.equals("/healthz/ready")) {
      ex.respond(Response.empty(go, ready ? 200 : 503));
    } else if (path.equals("/quitquitquit") || path.equals("/drain")) {
      if (!"POST".equals(r.method())) {
        ex.respond(Response.text(go, 405, "Method Not Allowed\n")); // http.Error appends "\n"
      } else {
        ex.respond(Response.text(go, 200, "OK"));
        if (path.equals("/quitquitquit")) {
          host.quit("POST /quitquitquit on " + r.port());
        } else {
          host.log("POST /drain on " + r.port() + " answered (drain is not simulated)");
        }
      }
    } else if (path.equals("/stats/prometheus") || path.equals("/metrics")) {
      // No real merged-metrics sample exists in the fixtures: an empty, well-formed exposition.
      ex.respond(Response.of(go, 200, "text/plain; version=0.0.4; charset=utf-8", new byte[0]));
    } else {
      ex.respond(Response.text(go, 404, "404 page not found\n"));
    }
  }

  /** Envoy's static listener on 15021, routing /healthz/ready to pilot-agent. */
  private static void readinessListener(RecordedRequest r, MiniHttpServer.Exchange ex, boolean ready)
      throws IOException {
    if (r.path().equals("/healthz/ready")) {
      ex.respond(Response.empty(Response.Style.ENVOY_ROUTE, ready ? 200 : 503));
    } else {
      ex.respond(Response.empty(Response.Style.ENVOY_ROUTE, 404));
    }
  }
}
