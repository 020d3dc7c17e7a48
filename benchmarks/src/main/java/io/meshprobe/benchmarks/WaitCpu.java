package io.meshprobe.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * CPU that a wait costs the app: this JVM polls a proxy that keeps answering 503 (a fake sidecar in ANOTHER
 * process, so its work is not counted here), and the process CPU time over the wait is divided by its wall time.
 * Paired with an idle period of the same length in the same JVM (what the JVM burns doing nothing: GC, JIT), and
 * repeated {@code reps} times for the default poll interval, 20 ms and 50 ms in turn; medians are reported. A
 * first wait of 3 s warms up the JIT and is not counted.
 *
 * <p>Usage: {@code WaitCpu <istio-status-url> <istio-readiness-url> [seconds=6] [reps=3]}.
 */
public final class WaitCpu {
  private WaitCpu() {}

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("io.meshprobe").setLevel(java.util.logging.Level.SEVERE);
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Map<String, Duration> intervals = new LinkedHashMap<>();
    intervals.put("default", null);
    intervals.put("20ms", Duration.ofMillis(20));
    intervals.put("50ms", Duration.ofMillis(50));
    wait(args, null, Duration.ofSeconds(3)); // warm-up
    Map<String, List<Double>> pct = new LinkedHashMap<>();
    for (int rep = 0; rep < reps; rep++) {
      long cpu0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      pct.computeIfAbsent("idle", k -> new ArrayList<>())
          .add(100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - wall0));
      for (Map.Entry<String, Duration> e : intervals.entrySet()) {
        cpu0 = os.getProcessCpuTime();
        wall0 = System.nanoTime();
        WaitResult r = wait(args, e.getValue(), Duration.ofSeconds(seconds));
        double p = 100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - wall0);
        if (r.outcome() != WaitOutcome.TIMED_OUT) {
          throw new IllegalStateException("the sidecar must never be ready, got " + r);
        }
        pct.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(p);
        System.err.printf(Locale.ROOT, "wait-cpu rep %d %-8s %.2f%% (%s)%n", rep + 1, e.getKey(), p, r.lastAnswer());
      }
    }
    for (Map.Entry<String, List<Double>> e : pct.entrySet()) {
      System.out.printf(Locale.ROOT, "%-8s median %.2f%% of one core over %d x %d s %s%n", e.getKey(),
          Stats.median(e.getValue()), reps, seconds, e.getValue());
      Stats.result("cpu." + e.getKey() + ".pct", Stats.median(e.getValue()));
    }
    Stats.result("cpu.seconds", seconds);
    Stats.result("cpu.reps", reps);
  }

  private static WaitResult wait(String[] args, Duration interval, Duration timeout) {
    MeshProbe.Builder b =
        MeshProbe.builder().mesh(MeshType.ISTIO_SIDECAR).istioStatusUrl(args[0]).istioReadinessUrl(args[1]);
    if (interval != null) {
      b.waitInterval(interval);
    }
    try (MeshProbe probe = b.build()) {
      return probe.awaitReady(timeout);
    }
  }
}
