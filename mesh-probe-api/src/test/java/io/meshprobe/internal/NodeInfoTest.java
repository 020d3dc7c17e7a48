package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshprobe.testkit.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NodeInfoTest {

  @Test
  void serverInfoDocsExampleIsAPlainEnvoy() throws IOException {
    // envoy/server_info.docs-example.json: version "b050513e…/1.9.0-dev/Modified/DEBUG", state LIVE, node id "node1", empty metadata.
    NodeInfo node = read("envoy/server_info.docs-example.json");
    assertThat(node.serverVersion()).isEqualTo("1.9.0-dev");
    assertThat(node.state()).isEqualTo("LIVE");
    assertThat(node.id()).isEqualTo("node1");
    assertThat(node.isIstioSidecar()).isFalse();
    assertThat(node.istioNativeSidecar()).isFalse();
  }

  @Test
  void istio13BootstrapCarriesVersionAndClassicSidecarStatus() throws IOException {
    // The 1.3 dump's bootstrap node: id "sidecar~172.30.150.216~productpage-v1-…", ISTIO_VERSION "1.3.0-rc.2", and the
    // pre-1.5 top-level metadata key sidecar.istio.io/status with "initContainers":["istio-init","enable-core-dump"].
    NodeInfo node = read("istio/sidecar-1.3-productpage-permissive-http.config_dump.json");
    assertThat(node.id()).startsWith("sidecar~172.30.150.216~productpage-v1-7bbd79f8fd-k6j79");
    assertThat(node.isIstioSidecar()).isTrue();
    assertThat(node.istioVersion()).isEqualTo("1.3.0-rc.2");
    assertThat(node.annotation("traffic.sidecar.istio.io/excludeInboundPorts")).isEqualTo("15020");
    assertThat(node.annotation("sidecar.istio.io/status")).contains("\"containers\":[\"istio-proxy\"]");
    assertThat(node.istioNativeSidecar()).isFalse();
  }

  @Test
  void gatewayNodeIsNotASidecar() throws IOException {
    // gateway-1.3-ingressgateway: node id starts with "router~".
    NodeInfo node = read("istio/gateway-1.3-ingressgateway.config_dump.json");
    assertThat(node.id()).startsWith("router~");
    assertThat(node.isIstioSidecar()).isFalse();
  }

  @Test
  void nativeSidecarMeansIstioProxyAmongInitContainers() {
    assertThat(NodeInfo.isNativeSidecarStatus("{\"initContainers\":[\"istio-validation\",\"istio-proxy\"],\"containers\":null}"))
        .isTrue();
    assertThat(NodeInfo.isNativeSidecarStatus("{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"]}"))
        .isFalse();
    assertThat(NodeInfo.isNativeSidecarStatus("{\"initContainers\":null}")).isFalse();
    assertThat(NodeInfo.isNativeSidecarStatus("not json")).isFalse();
    assertThat(NodeInfo.isNativeSidecarStatus(null)).isFalse();
  }

  @Test
  void truncatedOrWrongShapedJsonIsAnIoErrorNotACrash() {
    assertThatThrownBy(() -> NodeInfo.read(stream("{\"configs\":[{\"bootstrap\":{\"no")))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> NodeInfo.read(stream("[1,2,3]"))).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> NodeInfo.read(stream("\u00ff\u00fe garbage"))).isInstanceOf(IOException.class);
  }

  @Test
  void theReadKeepsItsLimitsAndReadsUtf8Text() throws IOException {
    // The parser is built without a JsonFactory (NodeInfo.parser): the nesting limit still ends the read, and
    // multi-byte UTF-8 reads as the text it encodes.
    String deep = "{\"node\":{\"metadata\":{\"a\":" + repeat("[", 201) + repeat("]", 201) + "}}}";
    assertThatThrownBy(() -> NodeInfo.read(utf8(deep))).isInstanceOf(IOException.class).hasMessageContaining("nesting depth");
    NodeInfo node = NodeInfo.read(utf8("{\"node\":{\"id\":\"sidecar~10.0.0.1~caf\u00e9.ns~ns.svc\",\"metadata\":{\"K\":\"\u00fc\u20ac\"}}}"));
    assertThat(node.id()).isEqualTo("sidecar~10.0.0.1~caf\u00e9.ns~ns.svc");
    assertThat(node.metadata()).containsEntry("K", "\u00fc\u20ac");
  }

  private static String repeat(String s, int n) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      b.append(s);
    }
    return b.toString();
  }

  private static InputStream utf8(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private static NodeInfo read(String fixture) throws IOException {
    try (InputStream in = Fixtures.open(fixture)) {
      return NodeInfo.read(in);
    }
  }

  private static InputStream stream(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
  }
}
