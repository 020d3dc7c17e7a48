package io.meshprobe.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.WaitResult;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

/**
 * CPU that a wait costs the app: this JVM polls a proxy that keeps answering 503 (a fake sidecar in ANOTHER
 * process, so its work is not counted here) for {@code seconds}, and the process CPU time over that period is
 * divided by the wall time. A first wait of 3 s warms up the JIT and is not counted.
 *
 * <p>Usage: {@code WaitCpu <istio-status-url> <istio-readiness-url> [seconds]}.
 */
public final class WaitCpu {
  private WaitCpu() {}

  public static void main(String[] args) {
    java.util.logging.Logger.getLogger("io.meshprobe").setLevel(java.util.logging.Level.SEVERE);
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (MeshProbe probe =
        MeshProbe.builder().mesh(MeshType.ISTIO_SIDECAR).istioStatusUrl(args[0]).istioReadinessUrl(args[1]).build()) {
      probe.awaitReady(Duration.ofSeconds(3));
      long cpu0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      WaitResult r = probe.awaitReady(Duration.ofSeconds(seconds));
      long cpu = os.getProcessCpuTime() - cpu0;
      long wall = System.nanoTime() - wall0;
      System.out.printf(
          Locale.ROOT,
          "wait of %.1f s (%s, last %s): process CPU %.0f ms = %.2f%% of one core%n",
          wall / 1e9,
          r.outcome(),
          r.lastAnswer(),
          cpu / 1e6,
          100.0 * cpu / wall);
    }
  }
}
