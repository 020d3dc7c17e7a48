package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.spring.boot.autoconfigure.apps.ServiceApp;
import io.meshprobe.status.MeshStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.annotation.DirtiesContext;

/**
 * A web app whose proxy dies after it was ready, and comes back: the meshprobe health component, the ready gauge and
 * the proxy-unreachable finding follow within two refresh periods; the readiness group, which does not include
 * meshprobe here, is left alone. Also: the app's own random port in the status with no meshprobe.ports, the meshprobe
 * endpoint once exposed, the info contributor. Plain JDK HTTP: the same source runs on Boot 4 and 3.5.
 */
@SpringBootTest(
    classes = ServiceApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.endpoints.web.exposure.include=health,prometheus,meshprobe,info",
      "management.endpoint.health.show-details=always",
      "management.endpoint.health.probes.enabled=true",
      "management.prometheus.metrics.export.enabled=true",
      "meshprobe.status.refresh=" + ProxyLivenessWebTest.PERIOD_MILLIS + "ms"
    })
@DirtiesContext
class ProxyLivenessWebTest {
  static final long PERIOD_MILLIS = 400;
  static final FakeIstio ISTIO = FakeIstio.asSystemProperties(true);

  @Autowired Environment environment;
  @Autowired MeshProbe probe;

  private final HttpClient http = HttpClient.newHttpClient();


  @AfterAll
  static void stop() {
    ISTIO.closeAndClearSystemProperties();
  }

  @Test
  void aProxyThatDiesIsReportedWithinTwoPeriods_andClearsWhenItIsBack() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> meshprobe().contains("\"takenAt\""));
    assertThat(get("/actuator/prometheus").body()).contains("meshprobe_proxy_ready 1.0");
    assertThat(meshprobe()).contains("\"status\":\"UP\"").doesNotContain("proxy-unreachable");

    List<MeshStatus> snapshots = new CopyOnWriteArrayList<>();
    MeshProbeListener listener =
        new MeshProbeListener() {
          @Override
          public void onStatus(MeshStatus status) {
            snapshots.add(status);
          }
        };
    probe.addListener(listener);
    ISTIO.kill();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> get("/actuator/prometheus").body().contains("meshprobe_proxy_ready 0.0") && meshprobe().contains("\"status\":\"DOWN\""));
    // Within two refresh periods, counted in refreshes rather than wall-clock time: the verdict is in the second
    // snapshot read after the kill, the third one at most if a read was in flight when the proxy died.
    await().atMost(Duration.ofSeconds(5)).until(() -> snapshots.stream().anyMatch(x -> x.findings().stream().anyMatch(f -> f.code().equals("proxy-unreachable"))));
    probe.removeListener(listener);
    int verdict = 0;
    while (snapshots.get(verdict).findings().stream().noneMatch(f -> f.code().equals("proxy-unreachable"))) {
      verdict++;
    }
    assertThat(verdict).as("snapshots before the verdict, after the kill").isLessThanOrEqualTo(2);
    String down = meshprobe();
    assertThat(down).contains("\"code\":\"proxy-unreachable\"").contains("\"severity\":\"ERROR\"").doesNotContain("quit-unavailable");
    HttpResponse<String> health = get("/actuator/health");
    assertThat(health.statusCode()).isEqualTo(503);
    // Readiness follows only where the user put meshprobe in the group; here it is not.
    HttpResponse<String> readiness = get("/actuator/health/readiness");
    assertThat(readiness.statusCode()).isEqualTo(200);
    assertThat(readiness.body()).doesNotContain("meshprobe");

    ISTIO.restart();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> get("/actuator/prometheus").body().contains("meshprobe_proxy_ready 1.0") && meshprobe().contains("\"status\":\"UP\""));
    assertThat(meshprobe()).doesNotContain("proxy-unreachable");
    assertThat(get("/actuator/health").statusCode()).isEqualTo(200);
  }

  @Test
  void theAppsOwnPortIsInTheStatus_withNoMeshprobePortsSet() throws Exception {
    String port = environment.getRequiredProperty("local.server.port");
    assertThat(environment.getProperty("meshprobe.ports")).isNull();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Arrays.stream(get("/actuator/prometheus").body().split("\n"))
                    .anyMatch(l -> l.startsWith("meshprobe_port_info{") && l.contains("port=\"" + port + "\"")));
    assertThat(get("/actuator/meshprobe").body()).contains("\"port\" : " + port);
  }

  @Test
  void theMeshprobeEndpointReturnsTheStatusDocument() throws Exception {
    HttpResponse<String> r = get("/actuator/meshprobe");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(r.body())
        .startsWith("{")
        .contains("\"schema\" : \"meshprobe.status/v1\"")
        .contains("\"certificate\" : {")
        .contains("\"notAfter\" : \"2020-11-22T06:18:39Z\"")
        .contains("\"mtls\" : {")
        .contains("\"takenAt\" : \"");
    save("actuator_meshprobe", r.body());
  }

  @Test
  void theInfoEndpointNamesTheMeshProxyVersionAndMtlsMode() throws Exception {
    // The mode is that of the app's own port (the random one), as the fake's recorded dump gives it.
    await().atMost(Duration.ofSeconds(10)).until(() -> !get("/actuator/info").body().contains("\"mtls\":\"UNKNOWN\""));
    assertThat(get("/actuator/info").body())
        .containsPattern("\"meshprobe\":\\{\"mesh\":\"istio\",\"proxy\":\"envoy\",\"version\":\"1.3.0-rc.2\",\"mtls\":\"(STRICT|PERMISSIVE|DISABLE)\"}");
  }

  /** The meshprobe health component alone. */
  private String meshprobe() throws Exception {
    return get("/actuator/health/meshprobe").body();
  }

  private HttpResponse<String> get(String path) throws Exception {
    String port = environment.getRequiredProperty("local.server.port");
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void save(String name, String body) throws Exception {
    java.nio.file.Path out = java.nio.file.Path.of("target", "actuator-output", name + ".txt");
    java.nio.file.Files.createDirectories(out.getParent());
    java.nio.file.Files.writeString(out, body);
  }
}
