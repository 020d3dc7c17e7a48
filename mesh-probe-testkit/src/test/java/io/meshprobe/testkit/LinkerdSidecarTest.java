package io.meshprobe.testkit;

import static io.meshprobe.testkit.SidecarPort.LINKERD_ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LinkerdSidecarTest {

  private final Http.Log log = new Http.Log();

  private FakeSidecar.Builder linkerd() {
    return FakeSidecar.linkerd().freePorts().log(log.stream);
  }

  @Test
  void defaultPortIs4191() {
    FakeSidecar s = FakeSidecar.linkerd().build();
    assertThat(s.personality()).isEqualTo(Personality.LINKERD);
    assertThat(s.port(LINKERD_ADMIN)).isEqualTo(4191);
  }

  @Test
  void readyLiveAndMetrics() throws Exception {
    try (FakeSidecar s = linkerd().readyManually().start()) {
      Http.Reply notReady = Http.get(s.url(LINKERD_ADMIN) + "/ready");
      assertThat(notReady.status()).isEqualTo(503);
      assertThat(notReady.text()).isEqualTo("not ready\n");
      assertThat(notReady.header("content-type")).isEqualTo("text/plain");
      Http.Reply live = Http.get(s.url(LINKERD_ADMIN) + "/live");
      assertThat(live.status()).isEqualTo(200);
      assertThat(live.text()).isEqualTo("live\n");

      s.becomeReady();
      Http.Reply ready = Http.get(s.url(LINKERD_ADMIN) + "/ready");
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.text()).isEqualTo("ready\n");

      Http.Reply metrics = Http.get(s.url(LINKERD_ADMIN) + "/metrics");
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.body()).isEqualTo(Http.fixture("linkerd/proxy-metrics-2022-sample.prom.txt"));
      assertThat(Http.get(s.url(LINKERD_ADMIN) + "/nope").status()).isEqualTo(404);
    }
  }

  @Test
  void shutdownIsDisabledByDefault() throws Exception {
    try (FakeSidecar s = linkerd().start()) {
      Http.Reply get = Http.get(s.url(LINKERD_ADMIN) + "/shutdown");
      assertThat(get.status()).isEqualTo(405);
      assertThat(get.body()).isEmpty();
      Http.Reply post = Http.post(s.url(LINKERD_ADMIN) + "/shutdown");
      assertThat(post.status()).isEqualTo(404);
      assertThat(post.text()).isEqualTo("shutdown endpoint is not enabled\n");
      assertThat(s.awaitStopped(Duration.ofMillis(100))).isFalse();
      assertThat(Http.get(s.url(LINKERD_ADMIN) + "/live").status()).isEqualTo(200);
    }
  }

  @Test
  void enabledShutdownAnswersThenStops() throws Exception {
    try (FakeSidecar s = linkerd().shutdownEnabled(true).start()) {
      Http.Reply post = Http.post(s.url(LINKERD_ADMIN) + "/shutdown");
      assertThat(post.status()).isEqualTo(200);
      assertThat(post.text()).isEqualTo("shutdown\n");
      assertThat(s.awaitStopped(Duration.ofSeconds(5))).isTrue();
      Http.assertRefused(s.port(LINKERD_ADMIN));
    }
  }

  @Test
  void envJsonIsSyntheticButFollowsTheFormat() throws Exception {
    try (FakeSidecar s = linkerd().start()) {
      Http.Reply all = Http.get(s.url(LINKERD_ADMIN) + "/env.json");
      assertThat(all.status()).isEqualTo(200);
      assertThat(all.header("content-type")).isEqualTo("application/json");
      assertThat(all.text()).isEqualTo("{"
          + "\"LINKERD2_PROXY_IDENTITY_LOCAL_NAME\":\"default.default.serviceaccount.identity.linkerd.cluster.local\","
          + "\"LINKERD2_PROXY_INBOUND_DEFAULT_POLICY\":\"all-unauthenticated\","
          + "\"LINKERD2_PROXY_INBOUND_PORTS\":\"8080\","
          + "\"LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED\":\"false\"}");

      Http.Reply some = Http.get(s.url(LINKERD_ADMIN)
          + "/env.json?LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED&LINKERD2_PROXY_NOT_SET");
      assertThat(some.text()).isEqualTo("{\"LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED\":\"false\",\"LINKERD2_PROXY_NOT_SET\":null}");

      Http.Reply kv = Http.get(s.url(LINKERD_ADMIN) + "/env.json?a=b");
      assertThat(kv.status()).isEqualTo(400);
      assertThat(kv.text()).contains("\"error\"").contains("\"status\"");

      Http.Reply html = Http.send("GET", s.url(LINKERD_ADMIN) + "/env.json", null, Map.of("Accept", "text/html"));
      assertThat(html.status()).isEqualTo(406);
    }
    try (FakeSidecar s = linkerd().shutdownEnabled(true).start()) {
      assertThat(Http.get(s.url(LINKERD_ADMIN) + "/env.json?LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED").text())
          .isEqualTo("{\"LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED\":\"true\"}");
    }
  }
}
