package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The health states: synthetic Envoy stats behind a filter, the derived rejected listener, proxy memory. */
class HealthStatesTest {
  static String text(String fixture) throws java.io.IOException {
    return new String(Http.fixture(fixture), java.nio.charset.StandardCharsets.UTF_8);
  }

  static final String FILTER =
      "usedonly&filter=%5E%28control_plane%5C.connected_state%7C%28listener_manager%5C.lds%7Ccluster_manager%5C.cds%29"
          + "%5C.%28update_rejected%7Cupdate_time%29%7Cserver%5C.memory_%28allocated%7Cheap_size%7Cphysical_size%29%29%24";

  @Test
  void stats_default_connectedNothingRejected_usedonlyDropsZeroCounters() throws Exception {
    try (FakeSidecar s = FakeSidecar.istio().freePorts().start()) {
      String body = Http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/stats?" + FILTER).text();
      assertThat(body)
          .startsWith(text("envoy/stats-readiness-filter-live.istio-test.txt") + "\n")
          .contains("control_plane.connected_state: 1\n", "server.memory_physical_size: 31457280\n")
          .containsPattern("(?m)^listener_manager\\.lds\\.update_time: \\d{13}$")
          .doesNotContain("update_rejected");
      // Without a filter: the recording, unchanged.
      assertThat(Http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/stats").text())
          .isEqualTo(text("envoy/stats-readiness-filter-live.istio-test.txt"));
    }
  }

  @Test
  void disconnected_rejected_memory() throws Exception {
    try (FakeSidecar s =
        FakeSidecar.istio().freePorts().controlPlaneConnected(false).rejectedListener(true).proxyMemory(1000).start()) {
      String body = Http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/stats?" + FILTER).text();
      assertThat(body)
          .contains("control_plane.connected_state: 0\n", "listener_manager.lds.update_rejected: 1\n", "server.memory_physical_size: 1000\n")
          .doesNotContain("cluster_manager.cds.update_rejected");
      String dump = Http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/config_dump").text();
      assertThat(dump).containsPattern("\"dynamic_listeners\": \\[\\s*\\{\\s*\"name\": \"0\\.0\\.0\\.0_8443\",\\s*\"error_state\": \\{");
      assertThat(dump).contains("\"details\": \"Didn't find a registered implementation");
      // The rest of the recording is still there.
      assertThat(dump.length()).isGreaterThan(text("istio/sidecar-1.3-productpage-permissive-http.config_dump.json").length());
    }
  }

  @Test
  void linkerdProxyMemory_rewritesTheRecordedRss() throws Exception {
    try (FakeSidecar s = FakeSidecar.linkerd().freePorts().proxyMemory(123456789).start()) {
      String metrics = Http.get(s.url(SidecarPort.LINKERD_ADMIN) + "/metrics").text();
      assertThat(metrics).contains("\nprocess_resident_memory_bytes 123456789\n").doesNotContain("17805312");
    }
    try (FakeSidecar s = FakeSidecar.linkerd().freePorts().start()) {
      assertThat(Http.get(s.url(SidecarPort.LINKERD_ADMIN) + "/metrics").text()).isEqualTo(text("linkerd/proxy-metrics-2022-sample.prom.txt"));
    }
  }
}
