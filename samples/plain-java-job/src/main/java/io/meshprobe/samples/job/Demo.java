package io.meshprobe.samples.job;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.time.Duration;

/**
 * The README's demo: {@link NightlyExportJob} in a pod whose sidecar is mesh-probe's fake one, started here on free
 * ports, turning ready 1.5 s after start. Shows the wait, the verdict, the work and the quit.
 *
 * <p>{@code Demo istio} (default) or {@code Demo linkerd} (Linkerd with its shutdown endpoint disabled, as it is by
 * default since 2024, and the hint that fixes it).
 */
public final class Demo {
  private Demo() {}

  public static void main(String[] args) throws Exception {
    // One line per log record, on stdout beside the job's own lines.
    System.setProperty("java.util.logging.SimpleFormatter.format", "%5$s%6$s%n");
    String mesh = args.length > 0 ? args[0] : "istio";
    FakeSidecar.Builder builder = mesh.equals("linkerd") ? FakeSidecar.linkerd() : FakeSidecar.istio();
    try (FakeSidecar sidecar = builder.freePorts().readyAfter(Duration.ofMillis(1500)).start()) {
      System.out.println("== mesh-probe demo: a batch job beside a fake " + mesh + " sidecar that needs 1.5 s to get ready ==");
      if (mesh.equals("linkerd")) {
        System.setProperty("meshprobe.linkerd.admin-url", sidecar.url(SidecarPort.LINKERD_ADMIN));
      } else {
        System.setProperty("meshprobe.istio.status-url", sidecar.url(SidecarPort.ISTIO_STATUS));
        System.setProperty("meshprobe.istio.readiness-url", sidecar.url(SidecarPort.ISTIO_READINESS));
        System.setProperty("meshprobe.istio.admin-url", sidecar.url(SidecarPort.ENVOY_ADMIN));
      }
      int exitCode = NightlyExportJob.run();
      for (RecordedRequest r : sidecar.requests()) {
        if (r.method().equals("POST")) {
          System.out.println("[fake sidecar] received " + r.method() + " " + r.path() + " on port " + r.port());
        }
      }
      boolean stopped = sidecar.awaitStopped(Duration.ofSeconds(2));
      System.out.println("[fake sidecar] " + (stopped ? "stopped: the Job's pod can complete" : "still running: the Job would hang"));
      System.out.println("== job exit code " + exitCode + " ==");
      System.exit(exitCode);
    }
  }
}
