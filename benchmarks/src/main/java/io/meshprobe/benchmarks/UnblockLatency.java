package io.meshprobe.benchmarks;

import io.meshprobe.MeshProbe;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.PrintStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How soon after the proxy turns ready does {@link MeshProbe#awaitReady} return? A fake Istio sidecar flips from
 * 503 to 200 at a random moment 20–200 ms after the wait started; the latency is from just before the flip to the
 * return of the wait, both read with {@link System#nanoTime()} in this JVM.
 *
 * <p>Usage: {@code UnblockLatency [flips]} (default 200). Prints p50, p90, p99 and max in ms.
 */
public final class UnblockLatency {
  private UnblockLatency() {}

  public static void main(String[] args) throws Exception {
    int flips = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    PrintStream quiet = new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {}
    });
    java.util.logging.Logger.getLogger("io.meshprobe").setLevel(java.util.logging.Level.WARNING);
    Random random = new Random(42);
    List<Double> latencies = new ArrayList<>();
    for (int i = 0; i < flips + 20; i++) {
      try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyManually().log(quiet).start();
          MeshProbe probe =
              MeshProbe.builder()
                  .mesh(io.meshprobe.MeshType.ISTIO_SIDECAR)
                  .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
                  .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
                  .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
                  .build()) {
        final AtomicLong returnedAt = new AtomicLong();
        CompletableFuture<WaitResult> wait =
            CompletableFuture.supplyAsync(
                () -> {
                  WaitResult r = probe.awaitReady(Duration.ofSeconds(10));
                  returnedAt.set(System.nanoTime());
                  return r;
                });
        TimeUnit.MILLISECONDS.sleep(20 + random.nextInt(180));
        long flippedAt = System.nanoTime();
        sidecar.becomeReady();
        WaitResult r = wait.get(10, TimeUnit.SECONDS);
        if (r.outcome() != WaitOutcome.READY) {
          throw new IllegalStateException("unexpected " + r);
        }
        if (i >= 20) { // the first flips warm up the JIT
          latencies.add((returnedAt.get() - flippedAt) / 1e6);
        }
      }
    }
    Collections.sort(latencies);
    System.out.printf(
        Locale.ROOT,
        "unblock latency over %d flips: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        latencies.size(),
        pct(latencies, 50),
        pct(latencies, 90),
        pct(latencies, 99),
        latencies.get(latencies.size() - 1));
  }

  static double pct(List<Double> sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
