package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.spring.boot.autoconfigure.apps.ServiceApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.Environment;
import org.springframework.test.annotation.DirtiesContext;

/**
 * Block mode, the proxy not ready within {@code meshprobe.wait.timeout=1s}: the app starts without it (fail open), and
 * health says so plainly, also after the background wait found the proxy ready.
 */
@SpringBootTest(
    classes = ServiceApp.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "management.endpoints.web.exposure.include=health",
      "management.endpoint.health.show-details=always",
      "meshprobe.wait.timeout=1s"
    })
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class StartedWithoutProxyWebTest {
  static final FakeIstio ISTIO = FakeIstio.asSystemProperties(false);

  @Autowired Environment environment;
  @Autowired MeshProbeRuntime runtime;

  private final HttpClient http = HttpClient.newHttpClient();


  @AfterAll
  static void stop() {
    ISTIO.closeAndClearSystemProperties();
  }

  @Test
  void healthSaysTheAppStartedWithoutItsProxy_evenOnceTheProxyIsReady(CapturedOutput output) throws Exception {
    // The app's own outbound call (its runner) was made: the start-up went on without the proxy.
    ISTIO.awaitRequest("GET /app/started", Duration.ofSeconds(10));
    String before = get("/actuator/health/meshprobe");
    assertThat(before)
        .contains("\"status\":\"OUT_OF_SERVICE\"")
        .contains("\"startedWithoutProxy\":true")
        .contains("The app started without its proxy: the start-up wait timed out after")
        .contains("still waiting for it in the background")
        .contains("\"outcome\":\"TIMED_OUT\"");
    assertThat(runtime.startupWait().waited()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));

    ISTIO.ready(true);
    await().atMost(Duration.ofSeconds(10)).until(() -> get("/actuator/health/meshprobe").contains("\"status\":\"UP\""));
    String after = get("/actuator/health/meshprobe");
    assertThat(after)
        .contains("\"startedWithoutProxy\":true")
        .contains("the proxy has been ready since a later background wait")
        .contains("\"wait\":{\"outcome\":\"TIMED_OUT\"")
        .contains("\"backgroundWait\":{\"outcome\":\"READY\"");
    // The background wait logged one line when it started and one when it ended, nothing in between.
    assertThat(count(output, "waiting in the background, with no deadline")).isEqualTo(1);
    assertThat(count(output, "istio proxy ready after")).isEqualTo(1);
    assertThat(count(output, "waiting up to")).isEqualTo(1);
    assertThat(output.toString()).doesNotContain("still waiting");
  }

  private static int count(CapturedOutput output, String text) {
    return output.toString().split(java.util.regex.Pattern.quote(text), -1).length - 1;
  }

  private String get(String path) throws Exception {
    String port = environment.getRequiredProperty("local.server.port");
    HttpResponse<String> r =
        http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
