package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

class FakeSidecarExtensionTest {

  @RegisterExtension
  static FakeSidecarExtension sidecar = FakeSidecarExtension.istio(b -> b.readyManually().log(new Http.Log().stream));

  private static FakeSidecar previous;
  private FakeSidecar fromBeforeEach;

  @BeforeEach
  void beforeEach(FakeSidecar s) {
    fromBeforeEach = s;
  }

  @RepeatedTest(2)
  void injectsAFreshCustomisedSidecarPerTest(FakeSidecar s) throws Exception {
    assertThat(s).isSameAs(sidecar.get()).isSameAs(fromBeforeEach);
    assertThat(s.personality()).isEqualTo(Personality.ISTIO);
    assertThat(s.port(SidecarPort.ISTIO_STATUS)).isNotEqualTo(15020); // freePorts()
    assertThat(s.isReady()).isFalse(); // the customiser ran
    assertThat(Http.get(s.url(SidecarPort.ISTIO_READINESS) + "/healthz/ready").status()).isEqualTo(503);
    if (previous != null) {
      assertThat(s).isNotSameAs(previous);
      assertThat(previous.isStopped()).isTrue();
      assertThat(Http.threads(previous.threadNamePrefix())).isEmpty();
    }
    previous = s;
  }
}
