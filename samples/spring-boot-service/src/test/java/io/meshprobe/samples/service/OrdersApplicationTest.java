package io.meshprobe.samples.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/** End to end: the service on a real port beside the fake Istio sidecar; health and meters over HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OrdersApplicationTest {
  // System properties, as a pod's environment would give them: the starter's wait runs before the context is built.
  static final FakeSidecar SIDECAR = start();

  @Value("${local.server.port}") int port;
  private final HttpClient http = HttpClient.newHttpClient();

  static FakeSidecar start() {
    FakeSidecar sidecar = FakeSidecar.istio().freePorts().log(new PrintStream(OutputStream.nullOutputStream())).start();
    System.setProperty("meshprobe.istio.status-url", sidecar.url(SidecarPort.ISTIO_STATUS));
    System.setProperty("meshprobe.istio.readiness-url", sidecar.url(SidecarPort.ISTIO_READINESS));
    System.setProperty("meshprobe.istio.admin-url", sidecar.url(SidecarPort.ENVOY_ADMIN));
    return sidecar;
  }

  @AfterAll
  static void stop() {
    System.clearProperty("meshprobe.istio.status-url");
    System.clearProperty("meshprobe.istio.readiness-url");
    System.clearProperty("meshprobe.istio.admin-url");
    SIDECAR.close();
  }

  @Test
  void servesOrders() throws Exception {
    assertThat(get("/orders/7")).contains("\"id\":7").contains("shipped");
  }

  @Test
  void readinessIncludesTheMeshProxyAndLivenessDoesNot() throws Exception {
    assertThat(get("/actuator/health/readiness"))
        .contains("\"meshprobe\"").contains("\"mesh\":\"istio\"").contains("\"ready\":true");
    assertThat(get("/actuator/health/liveness")).doesNotContain("meshprobe");
  }

  @Test
  void prometheusHasTheMeshprobeSeries() throws Exception {
    assertThat(get("/actuator/prometheus"))
        .contains("meshprobe_proxy_ready 1.0")
        .contains("meshprobe_proxy_info{mesh=\"istio\"")
        .contains("meshprobe_proxy_wait_time_seconds{mesh=\"istio\",outcome=\"ready\"}");
  }

  @Test
  void theServiceNeverQuitsItsProxyWhileRunning() {
    assertThat(SIDECAR.requests()).noneMatch(r -> r.method().equals("POST"));
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return response.body();
  }
}
