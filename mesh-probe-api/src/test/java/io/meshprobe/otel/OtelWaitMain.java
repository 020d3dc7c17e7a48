package io.meshprobe.otel;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import io.meshprobe.status.MeshStatus;
import java.net.HttpURLConnection;
import java.net.URL;
import java.time.Duration;

/**
 * Runs in a JVM with the OpenTelemetry Java agent: one control request through {@link HttpURLConnection} (which the
 * agent traces), then a probe's whole life against a fake sidecar: the wait, a status read, the quit.
 *
 * <p>Usage: {@code OtelWaitMain <istio-status-url> <istio-readiness-url> <istio-admin-url> <control-url>}.
 */
public final class OtelWaitMain {
  private OtelWaitMain() {}

  public static void main(String[] args) throws Exception {
    HttpURLConnection control = (HttpURLConnection) new URL(args[3]).openConnection();
    System.out.println("control " + control.getResponseCode());
    control.disconnect();
    try (MeshProbe probe =
        MeshProbe.builder()
            .mesh(MeshType.ISTIO_SIDECAR)
            .istioStatusUrl(args[0])
            .istioReadinessUrl(args[1])
            .istioAdminUrl(args[2])
            .build()) {
      WaitResult w = probe.awaitReady(Duration.ofSeconds(60));
      System.out.println("wait " + w.outcome() + " " + w.waited().toMillis());
      MeshStatus s = probe.refreshStatus();
      System.out.println("status " + s.proxy().kind() + " notes " + s.notes().size());
      QuitResult q = probe.quitProxy();
      System.out.println("quit " + q.outcome());
    }
  }
}
