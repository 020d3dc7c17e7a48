package io.meshprobe.testkit.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;

/**
 * The Envoy admin API (Envoy source {@code source/server/admin}, docs {@code operations/admin}): the whole of a
 * generic Envoy (Kuma, App Mesh, Consul...), and the {@code ENVOY_ADMIN} port of an Istio sidecar.
 */
public final class EnvoyDispatcher extends Dispatcher {

  /** Default {@code /config_dump} of a generic Envoy: listeners only. */
  public static final String CONFIG_DUMP = "istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json";
  /** Default {@code /certs}. */
  public static final String CERTS = "other/appmesh-envoy-certs-spire-svid.json";
  static final String SERVER_INFO = "envoy/server_info.docs-example.json";
  static final String STATS_LIVE = "envoy/stats-readiness-filter-live.istio-test.txt";
  static final String STATS_PREINIT = "envoy/stats-readiness-filter-preinit.istio-test.txt";
  /** Synthetic Envoy {@code server.memory_physical_size} when {@code proxyMemory} is not set: 30 MiB. */
  static final long DEFAULT_MEMORY = 30L << 20;

  static final Set<String> PATHS = paths("/ready", "/server_info", "/config_dump", "/certs", "/stats",
      "/stats/prometheus", "/quitquitquit", "/healthcheck/fail", "/healthcheck/ok");
  private static final Set<String> MUTATIONS = paths("/quitquitquit", "/healthcheck/fail", "/healthcheck/ok");

  private static final String HELP = "invalid path. admin commands are:\n"
      + "  /certs: print certs on machine\n"
      + "  /config_dump: dump current Envoy configs (experimental)\n"
      + "  /healthcheck/fail (POST): cause the server to fail health checks\n"
      + "  /healthcheck/ok (POST): cause the server to pass health checks\n"
      + "  /quitquitquit (POST): exit the server\n"
      + "  /ready: print server state, return 200 if LIVE, otherwise return 503\n"
      + "  /server_info: print server version/status information\n"
      + "  /stats: print server stats\n"
      + "  /stats/prometheus: print server stats in prometheus format\n";

  private final Host host;
  private final byte[] configDump;
  private final byte[] certs;
  private final String serverInfoTemplate;
  private final boolean rejectedListener;
  private final Long proxyMemory;
  private volatile boolean controlPlaneConnected;
  private volatile boolean draining;

  /**
   * Loads the payloads now, so a missing fixture fails the build of the fake, not a request.
   *
   * @param defaultConfigDump the {@code /config_dump} fixture when the scenario names none
   * @param nodeFromBootstrap Istio: {@code /server_info}'s {@code node} is the served dump's bootstrap node
   */
  EnvoyDispatcher(Scenario scenario, String defaultConfigDump, boolean nodeFromBootstrap, Host host) {
    this.host = host;
    this.rejectedListener = scenario.rejectedListener;
    this.proxyMemory = scenario.proxyMemory;
    this.controlPlaneConnected = scenario.controlPlaneConnected;
    byte[] dump = Payloads.fixture(scenario.configDump != null ? scenario.configDump : defaultConfigDump);
    String text = null;
    if (scenario.istioVersion != null) {
      text = Payloads.withIstioVersion(new String(dump, StandardCharsets.UTF_8), scenario.istioVersion);
    }
    if (scenario.nativeSidecar) {
      text = Payloads.withNativeSidecar(text != null ? text : new String(dump, StandardCharsets.UTF_8));
    }
    if (scenario.rejectedListener) {
      text = Payloads.withRejectedListener(text != null ? text : new String(dump, StandardCharsets.UTF_8));
    }
    this.configDump = text == null ? dump : text.getBytes(StandardCharsets.UTF_8);
    this.certs = Payloads.fixture(scenario.certs);
    String info = Payloads.fixtureText(SERVER_INFO);
    if (nodeFromBootstrap) {
      String node = Payloads.bootstrapNode(text != null ? text : new String(dump, StandardCharsets.UTF_8));
      if (node != null) {
        info = Payloads.replaceTopLevelValue(info, "node", node);
      }
    }
    this.serverInfoTemplate = info;
  }

  @Override
  public void setControlPlaneConnected(boolean connected) {
    this.controlPlaneConnected = connected;
  }

  @Override
  public void dispatch(SidecarPort port, RecordedRequest r, MiniHttpServer.Exchange ex, boolean ready)
      throws IOException {
    Response.Style envoy = Response.Style.ENVOY_ADMIN;
    String path = r.path();
    if (MUTATIONS.contains(path) && !"POST".equals(r.method())) {
      // Envoy source (AdminImpl::makeRequest) answers 405; its docs page still says 400.
      ex.respond(Response.text(envoy, 405, "Method " + r.method() + " not allowed, POST required."));
      return;
    }
    String state = draining ? "DRAINING" : ready ? "LIVE" : "PRE_INITIALIZING";
    if (path.equals("/ready")) {
      ex.respond(Response.text(envoy, state.equals("LIVE") ? 200 : 503, state + "\n"));
    } else if (path.equals("/server_info")) {
      ex.respond(json(serverInfo(state).getBytes(StandardCharsets.UTF_8)));
    } else if (path.equals("/config_dump")) {
      ex.respond(json(configDump));
    } else if (path.equals("/certs")) {
      ex.respond(json(certs));
    } else if (path.equals("/stats")) {
      byte[] stats = Payloads.fixture(ready ? STATS_LIVE : STATS_PREINIT);
      String query = r.query();
      if (query != null && !query.isEmpty()) {
        stats = Payloads.withHealthStats(stats, query, healthStats());
      }
      ex.respond(Response.of(envoy, 200, Response.textType(envoy), stats));
    } else if (path.equals("/stats/prometheus")) {
      ex.respond(Response.of(envoy, 200, "text/plain; charset=UTF-8", new byte[0]));
    } else if (path.equals("/quitquitquit")) {
      ex.respond(Response.text(envoy, 200, "OK\n"));
      host.quit("POST /quitquitquit on " + r.port());
    } else if (path.equals("/healthcheck/fail") || path.equals("/healthcheck/ok")) {
      draining = path.equals("/healthcheck/fail");
      ex.respond(Response.text(envoy, 200, "OK\n"));
    } else {
      ex.respond(Response.text(envoy, 404, HELP));
    }
  }

  /**
   * SYNTHETIC (no recording exists): the Envoy stats a health check asks for, named as in Envoy's docs
   * (management server {@code control_plane.connected_state}; xDS subscription stats {@code update_rejected} and
   * {@code update_time} under {@code listener_manager.lds.} and {@code cluster_manager.cds.}; server stats
   * {@code server.memory_*}). Values follow the builder's states; the last update is when the ports opened.
   */
  private Map<String, Long> healthStats() {
    long listenedAt = System.currentTimeMillis()
        - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - host.listeningSinceNanos());
    long memory = proxyMemory != null ? proxyMemory : DEFAULT_MEMORY;
    Map<String, Long> m = new TreeMap<String, Long>();
    m.put("cluster_manager.cds.update_rejected", 0L);
    m.put("cluster_manager.cds.update_time", listenedAt);
    m.put("control_plane.connected_state", controlPlaneConnected ? 1L : 0L);
    m.put("listener_manager.lds.update_rejected", rejectedListener ? 1L : 0L);
    m.put("listener_manager.lds.update_time", listenedAt);
    m.put("server.memory_allocated", memory * 7 / 10);
    m.put("server.memory_heap_size", memory * 17 / 20);
    m.put("server.memory_physical_size", memory);
    return m;
  }

  private static Response json(byte[] body) {
    return Response.of(Response.Style.ENVOY_ADMIN, 200, "application/json", body);
  }

  private String serverInfo(String state) {
    long uptime = Math.max(0, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - host.listeningSinceNanos()));
    String info = Payloads.replaceTopLevelValue(serverInfoTemplate, "state", "\"" + state + "\"");
    info = Payloads.replaceTopLevelValue(info, "uptime_current_epoch", "\"" + uptime + "s\"");
    return Payloads.replaceTopLevelValue(info, "uptime_all_epochs", "\"" + uptime + "s\"");
  }
}
