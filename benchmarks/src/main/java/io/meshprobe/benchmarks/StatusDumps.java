package io.meshprobe.benchmarks;

import io.meshprobe.internal.status.Derivation;
import io.meshprobe.internal.status.Evidence;
import io.meshprobe.internal.status.Payloads;
import io.meshprobe.status.MeshStatus;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Status from config dumps: the library's offline path ({@code Payloads.read} + {@code Derivation.derive}, as the
 * CLI's {@code analyze} and {@code MeshProbe.status()} use them) over files, streamed from disk. For each file:
 * median wall time, bytes allocated per MB of dump ({@code ThreadMXBean.getThreadAllocatedBytes}), the peak heap
 * used while parsing, and the heap still held by the parsed evidence after a GC. Run it with a small {@code -Xmx}
 * (run.sh uses 64m) to show that the heap does not grow with the dump.
 *
 * <p>Usage: {@code StatusDumps <label=file>...}.
 */
public final class StatusDumps {
  private StatusDumps() {}

  public static void main(String[] args) throws Exception {
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("-Xmx")) {
        Stats.result("status.xmx", a.substring(4));
      }
    }
    for (String arg : args) {
      String label = arg.substring(0, arg.indexOf('='));
      Path file = Paths.get(arg.substring(arg.indexOf('=') + 1));
      double mb = Files.size(file) / 1e6;
      long warmEnd = System.nanoTime() + 1_500_000_000L;
      for (int i = 0; i < 30 && (i == 0 || System.nanoTime() < warmEnd); i++) {
        parse(file);
      }
      resetPeaks();
      List<Double> ms = new ArrayList<>();
      long alloc = 0;
      long end = System.nanoTime() + 3_000_000_000L;
      MeshStatus s = null;
      for (int i = 0; i < 30 && (i < 3 || System.nanoTime() < end); i++) {
        long a0 = mx.getThreadAllocatedBytes(tid);
        long t0 = System.nanoTime();
        s = parse(file);
        ms.add((System.nanoTime() - t0) / 1e6);
        alloc += mx.getThreadAllocatedBytes(tid) - a0;
      }
      double peak = peakHeap() / 1e6;
      double retained = retained(file) / 1e6;
      double allocPerMb = alloc / (double) ms.size() / mb;
      System.out.printf(Locale.ROOT,
          "%-44s %8.2f MB  median %8.1f ms (%6.1f ms/MB, n=%2d)  alloc %6.2f MB per MB  peak heap %5.1f MB  retained %5.2f MB  ports=%d%n",
          label, mb, Stats.median(ms), Stats.median(ms) / mb, ms.size(), allocPerMb / 1e6, peak, retained,
          s.ports().size());
      String k = "status." + label;
      Stats.result(k + ".mb", mb);
      Stats.result(k + ".median-ms", Stats.median(ms));
      Stats.result(k + ".ms-per-mb", Stats.median(ms) / mb);
      Stats.result(k + ".alloc-mb-per-mb", allocPerMb / 1e6);
      Stats.result(k + ".peak-heap-mb", peak);
      Stats.result(k + ".retained-mb", retained);
      Stats.result(k + ".n", ms.size());
      Stats.result(k + ".ports", s.ports().size());
    }
  }

  static MeshStatus parse(Path file) throws IOException {
    Evidence e = read(file);
    return Derivation.derive(e, null, Derivation.AppPorts.none(), Instant.now());
  }

  static Evidence read(Path file) throws IOException {
    Evidence e = new Evidence();
    try (InputStream in = Files.newInputStream(file)) {
      Payloads.read(in, e);
    }
    return e;
  }

  /** Heap held by the evidence of one parse, measured as used heap after a full GC with and without it. */
  static long retained(Path file) throws IOException {
    long before = usedAfterGc();
    Evidence e = read(file);
    long after = usedAfterGc();
    if (e.hashCode() == 42) { // keep e reachable until here
      System.out.print("");
    }
    return Math.max(0, after - before);
  }

  static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static void resetPeaks() {
    System.gc();
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
  }

  static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
