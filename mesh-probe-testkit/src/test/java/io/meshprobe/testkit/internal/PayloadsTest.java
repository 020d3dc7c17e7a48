package io.meshprobe.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PayloadsTest {

  @Test
  void nativeStatusMovesIstioProxyToInitContainers() {
    assertThat(Payloads.nativeStatus("{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],"
        + "\"volumes\":[\"workload-socket\"],\"imagePullSecrets\":null,\"revision\":\"default\"}"))
        .isEqualTo("{\"initContainers\":[\"istio-init\",\"istio-proxy\"],\"containers\":null,"
            + "\"volumes\":[\"workload-socket\"],\"imagePullSecrets\":null,\"revision\":\"default\"}");
    assertThat(Payloads.nativeStatus("{\"initContainers\":null,\"containers\":[\"istio-proxy\",\"other\"]}"))
        .isEqualTo("{\"initContainers\":[\"istio-proxy\"],\"containers\":[\"other\"]}");
    assertThat(Payloads.nativeStatus("{\"containers\":[\"istio-proxy\"]}"))
        .isEqualTo("{\"initContainers\":[\"istio-proxy\"],\"containers\":null}");
  }

  @Test
  void annotationInsideAnnotationsMapIsRewrittenToo() {
    String json = "{\"ANNOTATIONS\":{\"sidecar.istio.io/status\":\"{\\\"initContainers\\\":[\\\"istio-validation\\\"],"
        + "\\\"containers\\\":[\\\"istio-proxy\\\"]}\"}}";
    assertThat(Payloads.withNativeSidecar(json)).isEqualTo("{\"ANNOTATIONS\":{\"sidecar.istio.io/status\":"
        + "\"{\\\"initContainers\\\":[\\\"istio-validation\\\",\\\"istio-proxy\\\"],\\\"containers\\\":null}\"}}");
  }

  @Test
  void bootstrapNodeIsFoundOnlyWhereThereIsABootstrap() {
    String minimal = Payloads.fixtureText("istio/bootstrap-minimal.config_dump.json");
    assertThat(Payloads.bootstrapNode(minimal)).startsWith("{").endsWith("}").contains("1.10.0");
    assertThat(Payloads.bootstrapNode(Payloads.fixtureText("istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json")))
        .isNull();
    assertThat(Payloads.bootstrapNode(Payloads.fixtureText("istio/gateway-1.3-ingressgateway.config_dump.json")))
        .contains("\"id\": \"router~");
  }

  @Test
  void escapeAndUnescapeRoundTrip() {
    String s = "a\"b\\c\nd\u0001é/";
    assertThat(Payloads.unescape(Payloads.escape(s))).isEqualTo(s);
    assertThat(Payloads.unescape("\\u003cinline\\u003e \\/")).isEqualTo("<inline> /");
  }
}
