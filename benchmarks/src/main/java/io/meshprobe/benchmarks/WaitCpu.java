package io.meshprobe.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.MeshType;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU that a wait costs the app: this JVM polls a proxy that keeps answering 503 (a fake sidecar in ANOTHER
 * process, so its work is not counted here), and the process CPU time over the wait is divided by its wall time.
 * Paired with an idle period of the same length in the same JVM (what the JVM burns doing nothing: GC, JIT), and
 * repeated {@code reps} times for the default poll interval, 20 ms and 50 ms in turn; medians are reported. A
 * first wait of 3 s warms up the JIT and is not counted.
 *
 * <p>Two floors, measured in the same rounds, say what this host charges any poller, whatever its code: a thread
 * that only sleeps 8 ms in a loop ({@code floor-timer}: the cost of waking up 125 times a second), and the same loop
 * with one GET on a kept-alive plain {@link Socket} to the same sidecar after each sleep ({@code floor-socket}: the
 * least an 8 ms HTTP poll can cost, with nothing of mesh-probe in it).
 *
 * <p>With the sidecar's request log ({@code --log-requests}, its output redirected to a file), the readiness requests
 * each wait made are counted, so the CPU per poll and the polls per second are measured, not inferred from the
 * interval.
 *
 * <p>Last, one wait with the defaults that goes on for {@value #STEADY_TO} s: its CPU between its {@value #STEADY_FROM}th
 * and {@value #STEADY_TO}th second is what a proxy stuck on its control plane costs the app once the pause has grown
 * (information; the verdict stays on the rounds above).
 *
 * <p>Usage: {@code WaitCpu <istio-status-url> <istio-readiness-url> [seconds=6] [reps=3] [sidecar-log]}.
 */
public final class WaitCpu {
  private WaitCpu() {}

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("io.meshprobe").setLevel(java.util.logging.Level.SEVERE);
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Path sidecarLog = args.length > 4 ? Paths.get(args[4]) : null;
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Map<String, Duration> intervals = new LinkedHashMap<>();
    intervals.put("default", null);
    intervals.put("20ms", Duration.ofMillis(20));
    intervals.put("50ms", Duration.ofMillis(50));
    wait(args, null, Duration.ofSeconds(3)); // warm-up
    floor(args[1], 2, false); // warm-up of the floors' code, not counted
    floor(args[1], 2, true);
    Map<String, List<Double>> pct = new LinkedHashMap<>();
    Map<String, List<Double>> polls = new LinkedHashMap<>();
    for (int rep = 0; rep < reps; rep++) {
      long cpu0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      pct.computeIfAbsent("idle", k -> new ArrayList<>())
          .add(100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - wall0));
      for (boolean socket : new boolean[] {false, true}) {
        String key = socket ? "floor-socket" : "floor-timer";
        cpu0 = os.getProcessCpuTime();
        wall0 = System.nanoTime();
        floor(args[1], seconds, socket);
        double p = 100.0 * (os.getProcessCpuTime() - cpu0) / (System.nanoTime() - wall0);
        pct.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
        System.err.printf(Locale.ROOT, "wait-cpu rep %d %-12s %.2f%%%n", rep + 1, key, p);
      }
      for (Map.Entry<String, Duration> e : intervals.entrySet()) {
        long logged0 = readinessRequests(sidecarLog);
        cpu0 = os.getProcessCpuTime();
        wall0 = System.nanoTime();
        WaitResult r = wait(args, e.getValue(), Duration.ofSeconds(seconds));
        long wall = System.nanoTime() - wall0;
        double p = 100.0 * (os.getProcessCpuTime() - cpu0) / wall;
        if (r.outcome() != WaitOutcome.TIMED_OUT) {
          throw new IllegalStateException("the sidecar must never be ready, got " + r);
        }
        pct.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(p);
        String counted = "";
        if (sidecarLog != null) {
          double perSecond = (readinessRequests(sidecarLog) - logged0) * 1e9 / wall;
          polls.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(perSecond);
          counted = String.format(Locale.ROOT, ", %.1f polls/s", perSecond);
        }
        System.err.printf(Locale.ROOT, "wait-cpu rep %d %-12s %.2f%%%s (%s)%n", rep + 1, e.getKey(), p, counted, r.lastAnswer());
      }
    }
    for (Map.Entry<String, List<Double>> e : pct.entrySet()) {
      System.out.printf(Locale.ROOT, "%-8s median %.2f%% of one core over %d x %d s %s%n", e.getKey(),
          Stats.median(e.getValue()), reps, seconds, e.getValue());
      Stats.result("cpu." + e.getKey() + ".pct", Stats.median(e.getValue()));
    }
    for (Map.Entry<String, List<Double>> e : polls.entrySet()) {
      Stats.result("cpu." + e.getKey() + ".polls-per-s", Stats.median(e.getValue()));
    }
    Stats.result("cpu.seconds", seconds);
    Stats.result("cpu.reps", reps);
    steady(args, sidecarLog, os);
  }

  /** Where the steady-state window of one long wait starts and ends, in seconds of waiting. */
  private static final int STEADY_FROM = 10;
  private static final int STEADY_TO = 40;

  /**
   * What a wait costs once it has gone on for a while (a proxy stuck on its control plane): one wait with the
   * defaults of {@value #STEADY_TO} s + 2 s, and the process CPU between its {@value #STEADY_FROM} s and
   * {@value #STEADY_TO} s, read by a listener on the wait's progress events (once a second, on the polling thread);
   * the sidecar's log is counted outside that window.
   */
  private static void steady(String[] args, Path sidecarLog, OperatingSystemMXBean os) throws IOException {
    final long[] at = new long[4]; // cpu0, wall0, cpu1, wall1
    final long[] polls = new long[2];
    MeshProbeListener window =
        new MeshProbeListener() {
          @Override
          public void onWaiting(Detection detection, Duration waited, String lastAnswer) {
            try {
              if (at[1] == 0 && waited.getSeconds() >= STEADY_FROM) {
                polls[0] = readinessRequests(sidecarLog);
                at[0] = os.getProcessCpuTime();
                at[1] = System.nanoTime();
              } else if (at[3] == 0 && waited.getSeconds() >= STEADY_TO) {
                at[2] = os.getProcessCpuTime();
                at[3] = System.nanoTime();
                polls[1] = readinessRequests(sidecarLog);
              }
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        };
    try (MeshProbe p = probe(args).listener(window).build()) {
      p.awaitReady(Duration.ofSeconds(STEADY_TO + 2));
    }
    if (at[3] == 0) {
      throw new IllegalStateException("the wait's progress events did not reach " + STEADY_TO + " s");
    }
    double wall = at[3] - at[1];
    double pct = 100.0 * (at[2] - at[0]) / wall;
    System.out.printf(Locale.ROOT, "steady   %.2f%% of one core from %d s to %d s of one wait%n", pct, STEADY_FROM, STEADY_TO);
    Stats.result("cpu.steady.pct", pct);
    Stats.result("cpu.steady.from-s", STEADY_FROM);
    Stats.result("cpu.steady.to-s", STEADY_TO);
    if (sidecarLog != null) {
      Stats.result("cpu.steady.polls-per-s", (polls[1] - polls[0]) * 1e9 / wall);
    }
  }

  /**
   * A thread that sleeps {@value #FLOOR_MILLIS} ms in a loop for {@code seconds}, and with {@code socket} makes one GET
   * of {@code readinessUrl} on a kept-alive plain socket after each sleep (reading the answer's head and its
   * Content-Length body, as little as an HTTP client can).
   */
  private static void floor(String readinessUrl, int seconds, boolean socket) throws Exception {
    URI uri = URI.create(readinessUrl);
    byte[] request = ("GET /healthz/ready HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort() + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] buf = new byte[4096];
    long end = System.nanoTime() + seconds * 1_000_000_000L;
    try (Socket s = socket ? new Socket(uri.getHost(), uri.getPort()) : null) {
      if (s != null) {
        s.setSoTimeout(1000);
        s.setTcpNoDelay(true);
      }
      while (System.nanoTime() - end < 0) {
        Thread.sleep(FLOOR_MILLIS);
        if (s != null) {
          s.getOutputStream().write(request);
          int n = 0;
          int headEnd = -1;
          while (headEnd < 0) { // an empty 503: the head is the whole answer
            int r = s.getInputStream().read(buf, n, buf.length - n);
            if (r < 0) {
              throw new IllegalStateException("the sidecar closed the connection");
            }
            n += r;
            headEnd = indexOf(buf, n);
          }
        }
      }
    }
  }

  private static final int FLOOR_MILLIS = 8;

  private static int indexOf(byte[] b, int n) {
    for (int i = 3; i < n; i++) {
      if (b[i - 3] == '\r' && b[i - 2] == '\n' && b[i - 1] == '\r' && b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** Readiness requests the sidecar has logged so far ({@code GET /healthz/ready ...} lines), or 0 without a log. */
  private static long readinessRequests(Path log) throws IOException {
    if (log == null) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.contains("GET /healthz/ready")).count();
    }
  }

  /** A probe of the fake Istio sidecar at {@code args[0]} (status) and {@code args[1]} (readiness). */
  private static MeshProbe.Builder probe(String[] args) {
    return MeshProbe.builder().mesh(MeshType.ISTIO_SIDECAR).istioStatusUrl(args[0]).istioReadinessUrl(args[1]);
  }

  private static WaitResult wait(String[] args, Duration interval, Duration timeout) {
    MeshProbe.Builder b = probe(args);
    if (interval != null) {
      b.waitInterval(interval);
    }
    try (MeshProbe probe = b.build()) {
      return probe.awaitReady(timeout);
    }
  }
}
