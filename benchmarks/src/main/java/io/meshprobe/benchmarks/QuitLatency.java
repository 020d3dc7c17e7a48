package io.meshprobe.benchmarks;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Quit latency: an app with the agent (default {@code quit=auto}) ends on its own; its shutdown hook works 100 ms
 * and prints {@code hook-end <epochMillis>} as its last action; the latency is from there to the arrival of
 * {@code POST /quitquitquit} at the fake sidecar ({@link RecordedRequest#epochMillis()}), both on this machine's
 * clock. Milliseconds, so the median over {@code runs} is what counts.
 *
 * <p>Usage: {@code QuitLatency <java> <agent-jar> [runs=20] [label]}.
 */
public final class QuitLatency {
  private QuitLatency() {}

  public static void main(String[] args) throws Exception {
    String java = args[0];
    String agentJar = args[1];
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    String label = args.length > 3 ? args[3] : "jdk";
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    List<Double> latency = new ArrayList<>();
    for (int i = 0; i < runs + 2; i++) { // two warm-up runs
      try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().log(quiet).start()) {
        String agent =
            "-javaagent:" + agentJar + "=mesh=istio;istio.status-url=" + sidecar.url(SidecarPort.ISTIO_STATUS)
                + ";istio.readiness-url=" + sidecar.url(SidecarPort.ISTIO_READINESS) + ";istio.admin-url="
                + sidecar.url(SidecarPort.ENVOY_ADMIN) + ";agent.jmx=false;agent.metrics=false;log.level=warn";
        List<String> lines = Forked.run(Forked.app(java, agent, "hook=100"));
        long hookEnd = Forked.millis(lines, "hook-end");
        RecordedRequest quit = sidecar.awaitRequest("POST", "/quitquitquit", Duration.ofSeconds(5));
        if (quit == null) {
          throw new IllegalStateException("no quit request after " + lines);
        }
        if (i >= 2) {
          latency.add((double) (quit.epochMillis() - hookEnd));
        }
        if (i == 2) { // what the sidecar saw from the last hook's end to the quit, once
          StringBuilder after = new StringBuilder();
          for (RecordedRequest r : sidecar.requests()) {
            if (r.epochMillis() >= hookEnd - 1) {
              System.out.printf(Locale.ROOT, "after hook-end +%d ms: %s %s%n", r.epochMillis() - hookEnd, r.method(),
                  r.path());
              after.append(after.length() == 0 ? "" : ",_").append(r.method()).append('_').append(r.path());
            }
          }
          Stats.result("quit." + label + ".after-hook", after.toString());
        }
      }
    }
    System.out.printf(Locale.ROOT, "%s quit latency over %d runs: median %.0f ms, p90 %.0f ms, max %.0f ms %s%n", label,
        runs, Stats.median(latency), Stats.pct(latency, 90), Stats.pct(latency, 100), latency);
    Stats.result("quit." + label + ".median", Stats.median(latency));
    Stats.result("quit." + label + ".p90", Stats.pct(latency, 90));
    Stats.result("quit." + label + ".max", Stats.pct(latency, 100));
    Stats.result("quit." + label + ".runs", runs);
  }
}
