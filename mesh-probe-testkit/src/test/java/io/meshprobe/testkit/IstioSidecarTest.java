package io.meshprobe.testkit;

import static io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN;
import static io.meshprobe.testkit.SidecarPort.ISTIO_READINESS;
import static io.meshprobe.testkit.SidecarPort.ISTIO_STATUS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.meshprobe.testkit.internal.IstioDispatcher;

class IstioSidecarTest {

  private final Http.Log log = new Http.Log();

  private FakeSidecar.Builder istio() {
    return FakeSidecar.istio().freePorts().log(log.stream);
  }

  @Test
  void defaultsAreTheRealPorts() {
    FakeSidecar s = FakeSidecar.istio().build();
    assertThat(s.personality()).isEqualTo(Personality.ISTIO);
    assertThat(s.port(ENVOY_ADMIN)).isEqualTo(15000);
    assertThat(s.port(ISTIO_STATUS)).isEqualTo(15020);
    assertThat(s.port(ISTIO_READINESS)).isEqualTo(15021);
    assertThat(s.url(ISTIO_STATUS)).isEqualTo("http://127.0.0.1:15020");
    assertThatThrownBy(() -> s.port(SidecarPort.LINKERD_ADMIN)).isInstanceOf(IllegalArgumentException.class);
    s.close();
  }

  @Test
  void readinessIs503ThenEmpty200OnBothPortsAndTheAdminFollows() throws Exception {
    try (FakeSidecar s = istio().readyManually().start()) {
      Http.Reply status = Http.get(s.url(ISTIO_STATUS) + "/healthz/ready");
      assertThat(status.status()).isEqualTo(503);
      assertThat(status.body()).isEmpty();
      assertThat(status.header("server")).isNull(); // pilot-agent is Go, not Envoy
      Http.Reply viaEnvoy = Http.get(s.url(ISTIO_READINESS) + "/healthz/ready");
      assertThat(viaEnvoy.status()).isEqualTo(503);
      assertThat(viaEnvoy.body()).isEmpty();
      assertThat(viaEnvoy.header("server")).isEqualTo("envoy");

      Http.Reply ready = Http.get(s.url(ENVOY_ADMIN) + "/ready");
      assertThat(ready.status()).isEqualTo(503);
      assertThat(ready.text()).isEqualTo("PRE_INITIALIZING\n");
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/server_info").text()).contains("\"state\": \"PRE_INITIALIZING\"");
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/stats").body())
          .isEqualTo(Http.fixture("envoy/stats-readiness-filter-preinit.istio-test.txt"));

      s.becomeReady();

      assertThat(Http.get(s.url(ISTIO_STATUS) + "/healthz/ready").status()).isEqualTo(200);
      Http.Reply ok = Http.get(s.url(ISTIO_READINESS) + "/healthz/ready");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.body()).isEmpty();
      assertThat(ok.header("server")).isEqualTo("envoy");
      Http.Reply live = Http.get(s.url(ENVOY_ADMIN) + "/ready");
      assertThat(live.status()).isEqualTo(200);
      assertThat(live.body()).isEqualTo(Http.fixture("envoy/ready.docs-example.txt"));
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/server_info").text()).contains("\"state\": \"LIVE\"");
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/stats?usedonly&filter=x").body())
          .isEqualTo(Http.fixture("envoy/stats-readiness-filter-live.istio-test.txt"));
    }
  }

  @Test
  void serverInfoCarriesTheBootstrapNodeOfTheServedConfigDump() throws Exception {
    try (FakeSidecar s = istio().start()) {
      Http.Reply info = Http.get(s.url(ENVOY_ADMIN) + "/server_info");
      assertThat(info.status()).isEqualTo(200);
      assertThat(info.header("content-type")).isEqualTo("application/json");
      assertThat(info.text())
          .contains("\"id\": \"sidecar~172.30.150.216~productpage-v1-7bbd79f8fd-k6j79.default~default.svc.cluster.local\"")
          .contains("\"ISTIO_VERSION\": \"1.3.0-rc.2\"")
          .contains("\"traffic.sidecar.istio.io/excludeInboundPorts\": \"15020\"")
          .contains("\\\"containers\\\":[\\\"istio-proxy\\\"]")
          .contains("\"version\": \"b050513e840aa939a01f89b07c162f00ab3150eb/1.9.0-dev/Modified/DEBUG\"")
          .doesNotContain("\"id\": \"node1\"");
      assertThat(info.text().trim()).startsWith("{").endsWith("}");
    }
  }

  @Test
  void configDumpCertsAndStatsAreTheFixturesByteForByte() throws Exception {
    try (FakeSidecar s = istio().start()) {
      Http.Reply dump = Http.get(s.url(ENVOY_ADMIN) + "/config_dump?mask=bootstrap");
      assertThat(dump.status()).isEqualTo(200);
      assertThat(dump.body()).isEqualTo(Http.fixture(IstioDispatcher.CONFIG_DUMP));
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/config_dump").body()).isEqualTo(Http.fixture(IstioDispatcher.CONFIG_DUMP));
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/certs").body())
          .isEqualTo(Http.fixture("other/appmesh-envoy-certs-spire-svid.json"));
      Http.Reply prom = Http.get(s.url(ISTIO_STATUS) + "/stats/prometheus");
      assertThat(prom.status()).isEqualTo(200);
      assertThat(prom.header("content-type")).startsWith("text/plain");
    }
    try (FakeSidecar s = istio().configDump("istio/secrets-istio-ca.config_dump.json")
        .certs("other/appmesh-envoy-certs-empty.json").start()) {
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/config_dump?mask=dynamic_active_secrets").body())
          .isEqualTo(Http.fixture("istio/secrets-istio-ca.config_dump.json"));
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/certs").body()).isEqualTo(Http.fixture("other/appmesh-envoy-certs-empty.json"));
      // no bootstrap in that dump: the docs example node stays
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/server_info").text()).contains("\"id\": \"node1\"");
    }
  }

  @Test
  void nativeSidecarAndIstioVersionAreDerivedRewrites() throws Exception {
    try (FakeSidecar s = istio().nativeSidecar(true).istioVersion("1.28.1").start()) {
      String dump = Http.get(s.url(ENVOY_ADMIN) + "/config_dump").text();
      assertThat(dump).contains("\"ISTIO_VERSION\": \"1.28.1\"").doesNotContain("1.3.0-rc.2")
          .contains("\\\"initContainers\\\":[\\\"istio-init\\\",\\\"enable-core-dump\\\",\\\"istio-proxy\\\"],"
              + "\\\"containers\\\":null,");
      String info = Http.get(s.url(ENVOY_ADMIN) + "/server_info").text();
      assertThat(info).contains("\"ISTIO_VERSION\": \"1.28.1\"").contains("\\\"istio-proxy\\\"],\\\"containers\\\":null");
      // everything else is untouched
      String original = new String(Http.fixture(IstioDispatcher.CONFIG_DUMP), StandardCharsets.UTF_8);
      String expected = original.replace("\"ISTIO_VERSION\": \"1.3.0-rc.2\"", "\"ISTIO_VERSION\": \"1.28.1\"")
          .replace("\\\"enable-core-dump\\\"],\\\"containers\\\":[\\\"istio-proxy\\\"]",
              "\\\"enable-core-dump\\\",\\\"istio-proxy\\\"],\\\"containers\\\":null");
      assertThat(expected).isNotEqualTo(original);
      assertThat(dump).isEqualTo(expected);
    }
  }

  @Test
  void quitOnPilotAgentIsPostOnlyAndStopsEveryPort() throws Exception {
    try (FakeSidecar s = istio().start()) {
      Http.Reply get = Http.get(s.url(ISTIO_STATUS) + "/quitquitquit");
      assertThat(get.status()).isEqualTo(405);
      assertThat(get.text()).isEqualTo("Method Not Allowed\n");
      assertThat(s.isStopped()).isFalse();

      Http.Reply post = Http.post(s.url(ISTIO_STATUS) + "/quitquitquit");
      assertThat(post.status()).isEqualTo(200);
      assertThat(post.text()).isEqualTo("OK");
      assertThat(s.awaitStopped(Duration.ofSeconds(5))).isTrue();
      assertThat(s.isStopped()).isTrue();
      for (SidecarPort p : Personality.ISTIO.ports()) {
        Http.assertRefused(s.port(p));
      }
      s.close();
      assertThat(Http.threads(s.threadNamePrefix())).isEmpty();
      assertThat(log.text()).contains("stopped (POST /quitquitquit on " + s.port(ISTIO_STATUS) + ")");
    }
  }

  @Test
  void envoyAdminQuitNeedsPostAndAlsoStopsTheSidecar() throws Exception {
    try (FakeSidecar s = istio().start()) {
      Http.Reply get = Http.get(s.url(ENVOY_ADMIN) + "/quitquitquit");
      assertThat(get.status()).isEqualTo(405);
      assertThat(get.text()).isEqualTo("Method GET not allowed, POST required.");
      Http.Reply post = Http.post(s.url(ENVOY_ADMIN) + "/quitquitquit");
      assertThat(post.status()).isEqualTo(200);
      assertThat(post.text()).isEqualTo("OK\n");
      assertThat(s.awaitStopped(Duration.ofSeconds(5))).isTrue();
      Http.assertRefused(s.port(ISTIO_READINESS));
    }
  }

  @Test
  void stopOnQuitFalseAnswersButLingers() throws Exception {
    try (FakeSidecar s = istio().stopOnQuit(false).start()) {
      assertThat(Http.post(s.url(ISTIO_STATUS) + "/quitquitquit").status()).isEqualTo(200);
      assertThat(s.awaitStopped(Duration.ofMillis(200))).isFalse();
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(200);
    }
  }

  @Test
  void drainAndHealthcheckFail() throws Exception {
    try (FakeSidecar s = istio().start()) {
      assertThat(Http.get(s.url(ISTIO_STATUS) + "/drain").status()).isEqualTo(405);
      assertThat(Http.post(s.url(ISTIO_STATUS) + "/drain").text()).isEqualTo("OK");
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/healthcheck/fail").status()).isEqualTo(405);
      assertThat(Http.post(s.url(ENVOY_ADMIN) + "/healthcheck/fail").status()).isEqualTo(200);
      Http.Reply draining = Http.get(s.url(ENVOY_ADMIN) + "/ready");
      assertThat(draining.status()).isEqualTo(503);
      assertThat(draining.text()).isEqualTo("DRAINING\n");
      // pilot-agent latches readiness: 15021 stays ready while Envoy drains
      assertThat(Http.get(s.url(ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(200);
      Http.post(s.url(ENVOY_ADMIN) + "/healthcheck/ok");
      assertThat(Http.get(s.url(ENVOY_ADMIN) + "/ready").text()).isEqualTo("LIVE\n");
      assertThat(s.isStopped()).isFalse();
    }
  }

  @Test
  void unknownPathsAre404InEachServersOwnWay() throws Exception {
    try (FakeSidecar s = istio().start()) {
      Http.Reply go = Http.get(s.url(ISTIO_STATUS) + "/nope");
      assertThat(go.status()).isEqualTo(404);
      assertThat(go.text()).isEqualTo("404 page not found\n");
      Http.Reply route = Http.get(s.url(ISTIO_READINESS) + "/ready");
      assertThat(route.status()).isEqualTo(404);
      assertThat(route.header("server")).isEqualTo("envoy");
      Http.Reply admin = Http.get(s.url(ENVOY_ADMIN) + "/healthz/ready");
      assertThat(admin.status()).isEqualTo(404);
      assertThat(admin.text()).startsWith("invalid path. admin commands are:");
    }
  }

  @Test
  void headersLookLikeTheRealServers() throws Exception {
    try (FakeSidecar s = istio().start()) {
      String raw = Http.rawText(s.port(ISTIO_STATUS), "GET /quitquitquit HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(raw).startsWith("HTTP/1.1 405 Method Not Allowed\r\n")
          .contains("\r\nContent-Type: text/plain; charset=utf-8\r\n")
          .contains("\r\nX-Content-Type-Options: nosniff\r\n")
          .containsPattern("\r\nDate: \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n")
          .contains("\r\nContent-Length: 19\r\n");
      String admin = Http.rawText(s.port(ENVOY_ADMIN), "GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(admin).startsWith("HTTP/1.1 200 OK\r\n").contains("\r\nserver: envoy\r\n")
          .contains("\r\ncontent-type: text/plain; charset=UTF-8\r\n").endsWith("\r\n\r\nLIVE\n");
    }
  }

  @Test
  void badConfigurationFailsAtBuild() {
    assertThatThrownBy(() -> FakeSidecar.istio().configDump("istio/nope.json").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.json");
    assertThatThrownBy(() -> FakeSidecar.istio().fault("/live", Fault.hang()).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/live");
    assertThatThrownBy(() -> FakeSidecar.istio().fault("/ready?x", Fault.hang()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FakeSidecar.istio().port(SidecarPort.LINKERD_ADMIN, 4191))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
