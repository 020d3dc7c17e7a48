package io.meshprobe.testkit.internal;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;

/** The linkerd2-proxy admin server ({@code linkerd/app/admin/src/server.rs}, hyper) on {@code LINKERD_ADMIN}. */
public final class LinkerdDispatcher extends Dispatcher {

  static final String METRICS = "linkerd/proxy-metrics-2022-sample.prom.txt";
  static final Set<String> PATHS = paths("/ready", "/live", "/metrics", "/shutdown", "/env.json");

  private final Host host;
  private final boolean shutdownEnabled;
  private final Long proxyMemory;

  LinkerdDispatcher(Scenario scenario, Host host) {
    this.host = host;
    this.shutdownEnabled = scenario.shutdownEnabled;
    this.proxyMemory = scenario.proxyMemory;
  }

  @Override
  public void dispatch(SidecarPort port, RecordedRequest r, MiniHttpServer.Exchange ex, boolean ready)
      throws IOException {
    Response.Style hyper = Response.Style.HYPER;
    String path = r.path();
    if (path.equals("/ready")) {
      ex.respond(ready ? Response.text(hyper, 200, "ready\n") : Response.text(hyper, 503, "not ready\n"));
    } else if (path.equals("/live")) {
      ex.respond(Response.text(hyper, 200, "live\n"));
    } else if (path.equals("/metrics")) {
      byte[] metrics = Payloads.fixture(METRICS);
      if (proxyMemory != null) {
        metrics = Payloads.withSampleValue(metrics, "process_resident_memory_bytes", Long.toString(proxyMemory));
      }
      ex.respond(Response.of(hyper, 200, "text/plain", metrics));
    } else if (path.equals("/shutdown")) {
      if (!"POST".equals(r.method())) {
        ex.respond(Response.empty(hyper, 405));
      } else if (!shutdownEnabled) {
        ex.respond(Response.text(hyper, 404, "shutdown endpoint is not enabled\n"));
      } else {
        ex.respond(Response.text(hyper, 200, "shutdown\n"));
        host.quit("POST /shutdown on " + r.port());
      }
    } else if (path.equals("/env.json")) {
      ex.respond(envJson(r));
    } else {
      ex.respond(Response.empty(hyper, 404));
    }
  }

  /**
   * SYNTHETIC: no recording of {@code /env.json} exists, so this is generated from the documented format: a JSON
   * object of the proxy's environment, {@code ?VAR1&VAR2} selects variables ({@code null} when unset), a
   * {@code k=v} query is a 400, and an {@code Accept} that excludes JSON is a 406.
   */
  private Response envJson(RecordedRequest r) {
    Response.Style hyper = Response.Style.HYPER;
    String accept = r.header("accept");
    if (accept != null && !acceptsJson(accept)) {
      return Response.empty(hyper, 406);
    }
    Map<String, String> env = new LinkedHashMap<String, String>();
    env.put("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "default.default.serviceaccount.identity.linkerd.cluster.local");
    env.put("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", "all-unauthenticated");
    env.put("LINKERD2_PROXY_INBOUND_PORTS", "8080");
    env.put("LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", Boolean.toString(shutdownEnabled));
    Map<String, String> selected = env;
    String query = r.query();
    if (query != null && !query.isEmpty()) {
      selected = new LinkedHashMap<String, String>();
      for (String name : query.split("&")) {
        if (name.isEmpty()) {
          continue;
        }
        if (name.indexOf('=') >= 0) {
          String err = "{\"error\":\"query parameters must be environment variable names, not key=value pairs\","
              + "\"status\":400}";
          return Response.of(hyper, 400, "application/json", err.getBytes(StandardCharsets.UTF_8));
        }
        try {
          name = URLDecoder.decode(name, "UTF-8");
        } catch (UnsupportedEncodingException e) {
          throw new IllegalStateException(e);
        }
        selected.put(name, env.get(name));
      }
    }
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, String> e : selected.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(Payloads.escape(e.getKey())).append("\":");
      sb.append(e.getValue() == null ? "null" : "\"" + Payloads.escape(e.getValue()) + "\"");
    }
    return Response.of(hyper, 200, "application/json", sb.append('}').toString().getBytes(StandardCharsets.UTF_8));
  }

  private static boolean acceptsJson(String accept) {
    for (String part : accept.split(",")) {
      String type = part.split(";")[0].trim().toLowerCase(Locale.ROOT);
      if (type.equals("application/json") || type.equals("application/*") || type.equals("*/*") || type.equals("*")) {
        return true;
      }
    }
    return false;
  }
}
