package io.meshprobe.envoytests;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records the real Envoy's admin payloads into a folder: the testkit's {@code fixtures/envoy-1.40/} (see the
 * {@code SOURCES.md} there). An Istio-shaped sidecar ({@link RealSidecar#istio()}, ports 9080 HTTP STRICT, 9081 HTTP
 * PERMISSIVE, 9090 TCP PERMISSIVE, a 24 h certificate) is started, {@code /ready} is read before any configuration,
 * the control plane's snapshot is pushed, and once Envoy is LIVE every payload is read once, byte for byte as Envoy
 * sent it. Last, a listener Envoy must reject is pushed and the listeners' error state is read.
 *
 * <pre>
 * ./mvnw -B -ntp -pl mesh-probe-envoy-tests -am package -DskipTests
 * java -cp "mesh-probe-envoy-tests/target/classes:$(cat mesh-probe-envoy-tests/target/classpath.txt)" io.meshprobe.envoytests.FixtureRecorder \
 *     mesh-probe-testkit/src/main/resources/io/meshprobe/testkit/fixtures/envoy-1.40
 * </pre>
 */
public final class FixtureRecorder {
  /** File name → admin path, in the order they are read once Envoy is LIVE. */
  static final Map<String, String> LIVE = new LinkedHashMap<>();
  static final String PREFIX = "istio-sidecar";

  static {
    LIVE.put(PREFIX + ".ready.txt", "/ready");
    LIVE.put(PREFIX + ".server_info.json", "/server_info");
    LIVE.put(PREFIX + ".config_dump.json", "/config_dump");
    LIVE.put(PREFIX + ".inbound.config_dump.json", "/config_dump?resource=dynamic_listeners&name_regex=virtualInbound");
    LIVE.put(PREFIX + ".certs.json", "/certs");
    LIVE.put(PREFIX + ".stats.txt", "/stats");
    LIVE.put(
        PREFIX + ".stats-health.txt",
        "/stats?usedonly&filter="
            + enc(
                "^(control_plane\\.connected_state|(listener_manager\\.lds|cluster_manager\\.cds)\\.(update_rejected|update_time)"
                    + "|server\\.memory_(allocated|heap_size|physical_size))$"));
  }

  private FixtureRecorder() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: FixtureRecorder OUTPUT_DIR");
      System.exit(2);
    }
    Path out = Paths.get(args[0]);
    record(out, Paths.get("target", "fixture-recorder"));
    System.out.println("recorded into " + out.toAbsolutePath());
  }

  /** Records every payload into {@code out}; Envoy runs in {@code work}. */
  public static void record(Path out, Path work) throws IOException, InterruptedException {
    Files.createDirectories(out);
    try (RealSidecar s = RealSidecar.istio().dir(work).start()) {
      waitForAnswer(s);
      save(out.resolve(PREFIX + ".ready-preinit.txt"), s.admin().get("/ready"));
      s.pushConfig();
      s.awaitLive(Duration.ofSeconds(60));
      for (Map.Entry<String, String> e : LIVE.entrySet()) {
        save(out.resolve(e.getKey()), s.admin().get(e.getValue()));
      }
      int nacks = s.controlPlane().nacks().size();
      s.pushRejectedListener();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (s.controlPlane().nacks().size() == nacks && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      save(
          out.resolve(PREFIX + ".rejected-listener.config_dump.json"),
          s.admin().get("/config_dump?resource=dynamic_listeners&mask=name,error_state"));
    }
  }

  private static void waitForAnswer(RealSidecar s) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (s.admin().state() == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("envoy's admin API never answered\n" + s.envoy().log());
      }
      Thread.sleep(5);
    }
  }

  private static void save(Path file, HttpResponse<String> r) throws IOException {
    if (r == null) {
      throw new IOException("no answer for " + file.getFileName());
    }
    Files.write(file, r.body().getBytes(StandardCharsets.UTF_8));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
