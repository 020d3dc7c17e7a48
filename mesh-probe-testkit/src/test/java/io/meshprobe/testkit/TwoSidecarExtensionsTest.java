package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two extensions in one class: a FakeSidecar parameter would be ambiguous, get() is not. Instance fields work too. */
class TwoSidecarExtensionsTest {

  @RegisterExtension
  final FakeSidecarExtension istio = FakeSidecarExtension.istio(b -> b.log(new Http.Log().stream));

  @RegisterExtension
  final FakeSidecarExtension linkerd = FakeSidecarExtension.linkerd(b -> b.shutdownEnabled(true).log(new Http.Log().stream));

  @Test
  void bothAreAvailableThroughGet() throws Exception {
    assertThat(istio.get().personality()).isEqualTo(Personality.ISTIO);
    assertThat(linkerd.get().personality()).isEqualTo(Personality.LINKERD);
    assertThat(istio.get().isReady()).isTrue();
    assertThat(Http.post(linkerd.get().url(SidecarPort.LINKERD_ADMIN) + "/shutdown").status()).isEqualTo(200);
  }
}
