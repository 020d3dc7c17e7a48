package io.meshprobe.benchmarks;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Release latency across processes, as in a pod: the fake Istio sidecar runs in this JVM, the app ({@link BenchApp})
 * in a forked JVM with the agent (defaults: block mode). Once the agent's first readiness poll has reached the
 * sidecar, and 100 to 600 ms later (inside the wait's first 2 s, where it polls every {@code meshprobe.wait.interval}),
 * the sidecar turns ready; the latency is from that moment ({@link FakeSidecar#readyAtEpochMillis()}) to the app's
 * {@code main-start <epochMillis>} line, both on this machine's clock (milliseconds). Unlike figure 1 it includes a
 * cold JVM's readiness request and the JVM's own work from premain's return to {@code main}.
 *
 * <p>Usage: {@code ReleaseLatency <java> <agent-jar> [rounds=30] [label]}.
 */
public final class ReleaseLatency {
  private ReleaseLatency() {}

  public static void main(String[] args) throws Exception {
    String java = args[0];
    String agentJar = args[1];
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    String label = args.length > 3 ? args[3] : "jdk";
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    List<Double> latency = new ArrayList<>();
    for (int i = 0; i < rounds + 2; i++) { // two warm-up rounds
      try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyManually().log(quiet).start()) {
        String agent =
            "-javaagent:" + agentJar + "=mesh=istio;istio.status-url=" + sidecar.url(SidecarPort.ISTIO_STATUS)
                + ";istio.readiness-url=" + sidecar.url(SidecarPort.ISTIO_READINESS) + ";istio.admin-url="
                + sidecar.url(SidecarPort.ENVOY_ADMIN) + ";quit=never;log.level=warn";
        Process app = new ProcessBuilder(Forked.app(java, agent)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
          if (sidecar.awaitRequest("GET", "/healthz/ready", Duration.ofSeconds(20)) == null) {
            throw new IllegalStateException("the agent never polled the readiness endpoint");
          }
          Thread.sleep(100 + ThreadLocalRandom.current().nextInt(500));
          sidecar.becomeReady();
          long readyAt = sidecar.readyAtEpochMillis();
          long mainStart = mainStart(app);
          if (i >= 2) {
            latency.add((double) (mainStart - readyAt));
          }
          if (!app.waitFor(30, TimeUnit.SECONDS) || app.exitValue() != 0) {
            throw new IllegalStateException("the app did not end cleanly");
          }
        } finally {
          app.destroyForcibly();
        }
      }
    }
    System.out.printf(Locale.ROOT, "%s release (sidecar ready -> main) over %d rounds: p50 %.0f ms, p90 %.0f ms, max %.0f ms %s%n",
        label, rounds, Stats.median(latency), Stats.pct(latency, 90), Stats.pct(latency, 100), latency);
    Stats.result("release." + label + ".p50", Stats.median(latency));
    Stats.result("release." + label + ".p90", Stats.pct(latency, 90));
    Stats.result("release." + label + ".max", Stats.pct(latency, 100));
    Stats.result("release." + label + ".rounds", rounds);
  }

  private static long mainStart(Process app) throws Exception {
    BufferedReader out = new BufferedReader(new InputStreamReader(app.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("main-start ")) {
        return Long.parseLong(line.substring("main-start ".length()).trim());
      }
    }
    throw new IllegalStateException("the app printed no main-start line");
  }
}
