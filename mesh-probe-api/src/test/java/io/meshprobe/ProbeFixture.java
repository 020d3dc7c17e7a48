package io.meshprobe;

import io.meshprobe.internal.Settings;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Builders of probes isolated from this machine: no system properties, no environment, no /proc, every URL chosen.
 * Public for the tests of the library's other packages.
 */
public final class ProbeFixture {
  private ProbeFixture() {}

  /** A probe whose every admin URL points at a port where nothing listens. */
  static MeshProbe.Builder isolated() {
    return isolated(Collections.<String, String>emptyMap());
  }

  /** Same, with the given environment variables (e.g. KUBERNETES_SERVICE_HOST). */
  static MeshProbe.Builder isolated(Map<String, String> env) {
    String closed = "http://127.0.0.1:" + closedPort();
    MeshProbe.Builder b =
        MeshProbe.builder()
            .istioStatusUrl(closed)
            .istioReadinessUrl(closed)
            .istioAdminUrl(closed)
            .envoyAdminUrl(closed)
            .linkerdAdminUrl(closed)
            .podInfoDir(Paths.get("/nonexistent/podinfo"))
            .waitTimeout(Duration.ofSeconds(10))
            .httpTimeout(Duration.ofMillis(500));
    b.source = Settings.Source.of(Collections.<String, String>emptyMap(), new HashMap<>(env));
    b.procNet = Paths.get("/nonexistent/proc/net");
    return b;
  }

  /** A probe aimed at a fake sidecar's ports. */
  public static MeshProbe.Builder aimedAt(FakeSidecar sidecar) {
    MeshProbe.Builder b = isolated();
    switch (sidecar.personality()) {
      case ISTIO:
        b.istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
            .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
            .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN));
        break;
      case LINKERD:
        b.linkerdAdminUrl(sidecar.url(SidecarPort.LINKERD_ADMIN));
        break;
      default:
        b.envoyAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN));
    }
    return b;
  }

  static MeshProbe.Builder withProcNet(MeshProbe.Builder b, Path procNet) {
    b.procNet = procNet;
    return b;
  }

  /** A loopback port where nothing listens (bound once, then released). */
  static int closedPort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
