package io.meshprobe.samples.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.FakeSidecarExtension;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** End to end: the library-based job against the fake Istio sidecar. */
class NightlyExportJobTest {
  @RegisterExtension
  static FakeSidecarExtension sidecar = FakeSidecarExtension.istio(b -> b.readyAfter(Duration.ofMillis(300)));

  @AfterEach
  void clearProperties() {
    System.clearProperty("meshprobe.istio.status-url");
    System.clearProperty("meshprobe.istio.readiness-url");
    System.clearProperty("meshprobe.istio.admin-url");
  }

  @Test
  void waitsForTheProxyWorksAndQuitsIt(FakeSidecar proxy) throws Exception {
    System.setProperty("meshprobe.istio.status-url", proxy.url(SidecarPort.ISTIO_STATUS));
    System.setProperty("meshprobe.istio.readiness-url", proxy.url(SidecarPort.ISTIO_READINESS));
    System.setProperty("meshprobe.istio.admin-url", proxy.url(SidecarPort.ENVOY_ADMIN));

    long before = System.currentTimeMillis();
    assertThat(NightlyExportJob.run()).isZero();

    assertThat(proxy.readyAtEpochMillis()).isNotNull().isGreaterThanOrEqualTo(before);
    RecordedRequest quit = proxy.awaitRequest("POST", "/quitquitquit", Duration.ofSeconds(5));
    assertThat(quit).isNotNull();
    assertThat(quit.epochMillis()).isGreaterThanOrEqualTo(proxy.readyAtEpochMillis());
    assertThat(proxy.awaitStopped(Duration.ofSeconds(5))).isTrue();
  }
}
