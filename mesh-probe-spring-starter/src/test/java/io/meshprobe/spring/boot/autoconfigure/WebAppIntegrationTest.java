package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.spring.boot.autoconfigure.apps.ServiceApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

/**
 * A real embedded web server, the actuator over HTTP, the fake proxy on loopback. Plain JDK HTTP, no Boot test client:
 * the same test source runs on Boot 4 and 3.5. The bodies are saved under target/actuator-output for the README.
 */
@SpringBootTest(
    classes = ServiceApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.endpoints.web.exposure.include=health,prometheus",
      "management.endpoint.health.show-details=always",
      "management.endpoint.health.probes.enabled=true",
      "management.endpoint.health.group.readiness.include=readinessState,meshprobe",
      "management.endpoint.health.group.readiness.show-details=always",
      // Boot 3.5's test support turns metrics export off in @SpringBootTest unless told otherwise.
      "management.prometheus.metrics.export.enabled=true",
      // The recorded pod's app port (its config dump and annotations know 9080, not this test's random port), so that
      // the saved output reads like the pod's; ProxyLivenessWebTest covers the random port without meshprobe.ports.
      "meshprobe.ports=9080"
    })
class WebAppIntegrationTest {
  static final FakeIstio ISTIO = FakeIstio.asSystemProperties(true);

  @Autowired Environment environment;
  @Autowired MeshProbeRuntime runtime;

  private final HttpClient http = HttpClient.newHttpClient();


  @AfterAll
  static void stop() {
    ISTIO.closeAndClearSystemProperties();
  }

  @Test
  void healthShowsMeshprobeWithDetails() throws Exception {
    String body = get("/actuator/health", 200);
    assertThat(body).contains("\"meshprobe\":{").contains("\"mesh\":\"istio\"").contains("\"proxy\":\"envoy\"");
    assertThat(body).contains("\"ready\":true").contains("\"outcome\":\"READY\"");
  }

  @Test
  void readinessGroupIncludesMeshprobe() throws Exception {
    String body = get("/actuator/health/readiness", 200);
    assertThat(body).contains("\"readinessState\"").contains("\"meshprobe\"");
    // Never in liveness: a proxy restart must not restart the app.
    assertThat(get("/actuator/health/liveness", 200)).doesNotContain("meshprobe");
  }

  @Test
  void prometheusShowsTheMeshprobeSeries() throws Exception {
    String body = get("/actuator/prometheus", 200);
    assertThat(body)
        .contains("meshprobe_proxy_info{mesh=\"istio\",proxy=\"envoy\"")
        .contains("meshprobe_proxy_ready 1.0")
        .contains("meshprobe_proxy_wait_time_seconds{mesh=\"istio\",outcome=\"ready\"}");
  }

  @Test
  void aTestContextNeverArmsTheQuit() {
    assertThat(runtime.facts().testContext()).isTrue();
    assertThat(runtime.facts().serves()).as("a servlet web server context serves").isTrue();
    assertThat(runtime.quitPending()).isFalse();
  }

  private String get(String path, int status) throws IOException, InterruptedException {
    String port = environment.getRequiredProperty("local.server.port");
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    Path out = Path.of("target", "actuator-output", path.substring(1).replace('/', '_') + ".txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, response.body());
    assertThat(response.statusCode()).as(path).isEqualTo(status);
    return response.body();
  }
}
