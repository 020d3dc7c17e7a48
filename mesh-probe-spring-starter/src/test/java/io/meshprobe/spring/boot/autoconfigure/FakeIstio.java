package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * The testkit's fake Istio sidecar (pilot-agent status, Envoy readiness, Envoy admin with the default recorded config
 * dump) on free loopback ports, plus the properties that point a probe at it. {@link #requests()} lists every request
 * as {@code "METHOD /path"} in arrival order; the app's own outbound calls go to {@link #url()}{@code /app/...}, so
 * they are recorded on the same clock.
 */
final class FakeIstio implements AutoCloseable {
  private final FakeSidecar sidecar;

  FakeIstio(boolean readyAtStart) {
    sidecar = FakeSidecar.istio().freePorts().readyManually().start();
    if (readyAtStart) {
      sidecar.becomeReady();
    }
  }

  void ready(boolean ready) {
    if (ready) {
      sidecar.becomeReady();
    } else {
      sidecar.becomeNotReady();
    }
  }

  /** The proxy dies, as a crashed container: every port refuses connections (same ports after {@link #restart()}). */
  void kill() {
    sidecar.kill();
  }

  /** The proxy is back on the same ports, ready at once. */
  void restart() {
    sidecar.restart();
    sidecar.becomeReady();
  }

  /** Where the app's own outbound calls go (the status port answers them with a 404, and records them). */
  String url() {
    return sidecar.url(SidecarPort.ISTIO_STATUS);
  }

  /** Properties that point every Istio URL of the probe at the fake. */
  String[] properties() {
    return new String[] {
      "meshprobe.mesh=istio",
      "meshprobe.istio.status-url=" + sidecar.url(SidecarPort.ISTIO_STATUS),
      "meshprobe.istio.readiness-url=" + sidecar.url(SidecarPort.ISTIO_READINESS),
      "meshprobe.istio.admin-url=" + sidecar.url(SidecarPort.ENVOY_ADMIN),
      "meshprobe.podinfo.dir=target/no-podinfo"
    };
  }

  List<String> requests() {
    List<String> out = new ArrayList<>();
    for (RecordedRequest r : sidecar.requests()) {
      out.add(r.method() + " " + r.path());
    }
    return out;
  }

  void awaitRequest(String request, Duration timeout) {
    Awaitility.await().atMost(timeout).until(() -> requests().contains(request));
  }

  boolean awaitStopped(Duration timeout) throws InterruptedException {
    return sidecar.awaitStopped(timeout);
  }

  /**
   * A fake whose properties are system properties, as a pod's environment would give them: the start-up wait runs
   * before the test framework's {@code @DynamicPropertySource} values are added to the environment. {@code fake} is
   * its {@link #url()}. {@link #closeAndClearSystemProperties()} undoes it.
   */
  static FakeIstio asSystemProperties(boolean readyAtStart) {
    FakeIstio fake = new FakeIstio(readyAtStart);
    for (String p : fake.properties()) {
      int eq = p.indexOf('=');
      System.setProperty(p.substring(0, eq), p.substring(eq + 1));
    }
    System.setProperty("fake", fake.url());
    return fake;
  }

  void closeAndClearSystemProperties() {
    for (String p : properties()) {
      System.clearProperty(p.substring(0, p.indexOf('=')));
    }
    System.clearProperty("fake");
    close();
  }

  @Override
  public void close() {
    sidecar.close();
  }
}
