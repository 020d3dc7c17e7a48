package io.meshprobe.envoytests;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Unblock latency against the real Envoy: the time from the moment Envoy turns LIVE to the app's {@code main}, with
 * the agent in the app's own JVM (another process), as in a pod. In every round a fresh Envoy (Istio-shaped with the
 * pilot-agent stand-in, or a generic Envoy mesh) starts unconfigured; the app starts with
 * {@code JAVA_TOOL_OPTIONS=-javaagent:...}; once the agent's polls reach the proxy, and a random 200 to 800 ms later,
 * the control plane pushes its first snapshot; the harness polls Envoy's {@code /ready} every millisecond from then on,
 * and the first LIVE answer is the LIVE moment (so it is up to a poll, about 1 ms, late: latencies read that much
 * short). Latency = the app's {@code System.currentTimeMillis()} in {@code main} minus that moment (same clock).
 *
 * <p>A round in which the app was not held (it ended before any of its polls reached the proxy: on a heavily loaded
 * machine the agent's detection can miss the proxy within its 1 s call timeout) is counted as {@code unheld} and
 * replaced, up to twice the rounds asked.
 *
 * <p>Usage: {@code UnblockBenchmark AGENT_JAR [rounds=20] [istio|envoy|both]}; prints a table and {@code @result} lines.
 */
public final class UnblockBenchmark {
  private static final Pattern MAIN = Pattern.compile("main epochMillis=(\\d+)");

  private UnblockBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: UnblockBenchmark AGENT_JAR [rounds=20] [istio|envoy|both]");
      System.exit(2);
    }
    Path agent = Paths.get(args[0]).toAbsolutePath();
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    String which = args.length > 2 ? args[2] : "both";
    Path work = Paths.get("target", "unblock-benchmark").toAbsolutePath();
    Random random = new Random(42);
    System.out.println("| proxy | rounds | p50 | p90 | max | min |");
    System.out.println("|---|---|---|---|---|---|");
    for (String kind : new String[] {"istio", "envoy"}) {
      if (!which.equals("both") && !which.equals(kind)) {
        continue;
      }
      List<Long> latencies = new ArrayList<>();
      int unheld = 0;
      for (int i = 0; latencies.size() < rounds && i < 2 * rounds; i++) {
        Long latency = round(kind.equals("istio"), agent, work.resolve(kind + "-" + i), random);
        if (latency == null) {
          unheld++;
        } else {
          latencies.add(latency);
        }
      }
      if (latencies.isEmpty()) {
        throw new IllegalStateException("no round held the app: see " + work);
      }
      System.out.printf(Locale.ROOT, "@result unblock-real-envoy.%s.unheld %d%n", kind, unheld);
      Collections.sort(latencies);
      String key = "unblock-real-envoy." + kind;
      System.out.printf(Locale.ROOT, "| %s | %d | %d ms | %d ms | %d ms | %d ms |%n",
          kind.equals("istio") ? "Envoy 1.40, Istio-shaped (readiness listener → pilot-agent stand-in)" : "Envoy 1.40, generic mesh (/ready)",
          latencies.size(), pct(latencies, 50), pct(latencies, 90), latencies.get(latencies.size() - 1), latencies.get(0));
      System.out.printf(Locale.ROOT, "@result %s.p50 %d%n@result %s.p90 %d%n@result %s.max %d%n@result %s.n %d%n",
          key, pct(latencies, 50), key, pct(latencies, 90), key, latencies.get(latencies.size() - 1), key, latencies.size());
    }
  }

  /** One round's latency in ms, or null when the agent did not hold the app (it ended before its polls were seen). */
  static Long round(boolean istio, Path agent, Path dir, Random random) throws Exception {
    try (RealSidecar s = (istio ? RealSidecar.istio() : RealSidecar.envoyMesh()).dir(dir).start()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (s.admin().state() == null) {
        check(deadline, "envoy's admin API");
        Thread.sleep(5);
      }
      Path out = dir.resolve("app.out");
      String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), UnblockApp.class.getName());
      pb.environment().keySet().removeIf(k -> k.startsWith("MESHPROBE_") || k.equals("KUBERNETES_SERVICE_HOST"));
      pb.environment().putAll(s.env());
      pb.environment().put("MESHPROBE_QUIT", "never");
      pb.environment().put("JAVA_TOOL_OPTIONS", "-javaagent:" + agent);
      pb.redirectErrorStream(true).redirectOutput(out.toFile());
      Process app = pb.start();
      try {
        // The agent is polling once the proxy has seen a few of its readiness requests.
        long own = 0;
        long base = adminRequests(s);
        while (istio ? s.pilotAgent().readinessRequests() < 5 : adminRequests(s) - base - (++own) < 5) {
          if (!app.isAlive()) {
            return null; // not held: on a loaded machine the agent's detection may miss a slow proxy
          }
          check(deadline, "the agent's first polls");
          Thread.sleep(5);
        }
        Thread.sleep(200 + random.nextInt(600));
        s.pushConfig();
        long live;
        while (true) {
          if ("LIVE".equals(s.admin().state())) {
            live = System.currentTimeMillis();
            break;
          }
          check(deadline, "envoy LIVE");
          Thread.sleep(1);
        }
        if (!app.waitFor(60, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the app did not end");
        }
        Matcher m = MAIN.matcher(new String(Files.readAllBytes(out), StandardCharsets.UTF_8));
        if (!m.find()) {
          throw new IllegalStateException("no main line in " + out);
        }
        return Long.parseLong(m.group(1)) - live;
      } finally {
        app.destroyForcibly();
      }
    }
  }

  private static long adminRequests(RealSidecar s) {
    Long n = s.admin().stat("http.admin.downstream_rq_total");
    return n == null ? 0 : n;
  }

  private static void check(long deadline, String what) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("timed out waiting for " + what);
    }
  }

  static long pct(List<Long> sorted, int p) {
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
