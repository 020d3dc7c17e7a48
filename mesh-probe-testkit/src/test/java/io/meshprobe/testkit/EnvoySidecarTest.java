package io.meshprobe.testkit;

import static io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class EnvoySidecarTest {

  private final Http.Log log = new Http.Log();

  @Test
  void adminOnlyOn9901ByDefaultAndMovableForConsul() {
    FakeSidecar s = FakeSidecar.envoy().build();
    assertThat(s.personality()).isEqualTo(Personality.ENVOY);
    assertThat(s.port(ENVOY_ADMIN)).isEqualTo(9901);
    assertThat(FakeSidecar.envoy().port(ENVOY_ADMIN, 19000).build().port(ENVOY_ADMIN)).isEqualTo(19000);
    assertThatThrownBy(() -> s.port(SidecarPort.ISTIO_STATUS)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Personality.ENVOY.ports()).containsExactly(ENVOY_ADMIN);
  }

  @Test
  void servesTheAdminEndpoints() throws Exception {
    try (FakeSidecar s = FakeSidecar.envoy().freePorts().log(log.stream).readyManually().start()) {
      String admin = s.url(ENVOY_ADMIN);
      assertThat(Http.get(admin + "/ready").text()).isEqualTo("PRE_INITIALIZING\n");
      String info = Http.get(admin + "/server_info").text();
      assertThat(info).contains("\"state\": \"PRE_INITIALIZING\"").contains("\"id\": \"node1\"")
          .doesNotContain("ISTIO_VERSION");
      s.becomeReady();
      Http.Reply ready = Http.get(admin + "/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.text()).isEqualTo("LIVE\n");
      // the docs example, with only the state and uptime made live
      String expected = new String(Http.fixture("envoy/server_info.docs-example.json"), "UTF-8")
          .replace("\"uptime_current_epoch\": \"6s\"", "\"uptime_current_epoch\": \"0s\"")
          .replace("\"uptime_all_epochs\": \"6s\"", "\"uptime_all_epochs\": \"0s\"");
      assertThat(Http.get(admin + "/server_info").text().replaceAll("_epoch(s?)\": \"\\d+s\"", "_epoch$1\": \"0s\""))
          .isEqualTo(expected);
      assertThat(Http.get(admin + "/config_dump").body())
          .isEqualTo(Http.fixture("istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json"));
      assertThat(Http.get(admin + "/certs").body()).isEqualTo(Http.fixture("other/appmesh-envoy-certs-spire-svid.json"));
      assertThat(Http.get(admin + "/stats").status()).isEqualTo(200);
      assertThat(Http.get(admin + "/healthz/ready").status()).isEqualTo(404);

      assertThat(Http.get(admin + "/quitquitquit").status()).isEqualTo(405);
      assertThat(Http.post(admin + "/quitquitquit").text()).isEqualTo("OK\n");
      assertThat(s.awaitStopped(Duration.ofSeconds(5))).isTrue();
      Http.assertRefused(s.port(ENVOY_ADMIN));
    }
  }
}
