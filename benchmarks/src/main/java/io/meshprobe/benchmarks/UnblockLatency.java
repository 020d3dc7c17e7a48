package io.meshprobe.benchmarks;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * How soon after the proxy turns ready does each strategy let the app go? In every round a fresh fake Istio
 * sidecar answers 503; all the waiters start together; at a random moment 100 ms to 3 s later the harness reads
 * {@link System#nanoTime()} and calls {@code becomeReady()}; each waiter's latency is from that reading to the
 * moment it returned (or, for the emulated peers, saw "ready"), in this JVM.
 *
 * <p>Waiters: mesh-probe's {@link MeshProbe#awaitReady} with the default poll interval, and with 20 ms and 50 ms
 * (the CPU trade-off); and the peers' schedules emulated with {@link HttpURLConnection} against the same sidecar:
 * Istio {@code pilot-agent wait} (GET :15021/healthz/ready, first check at +500 ms, then every 500 ms, 500 ms request
 * timeout), linkerd-await (GET the readiness URL at once, then 1 s after each failure, 5 s request timeout) and
 * scuttle/envoy-preflight (GET Envoy admin /server_info until {@code "state": "LIVE"}; at once, then exponential
 * back-off 500 ms ×1.5 with ±50 % jitter, as cenkalti/backoff's defaults). The peers take part in the first
 * {@code peerRounds} rounds only (they are slow); mesh-probe in all.
 *
 * <p>Usage: {@code UnblockLatency [rounds=100] [peerRounds=30]}. Prints a table and {@code @result} lines.
 */
public final class UnblockLatency {
  private static final Pattern LIVE = Pattern.compile("\"state\"\\s*:\\s*\"LIVE\"");

  private UnblockLatency() {}

  /** One strategy: blocks until it sees the proxy ready, returns {@link System#nanoTime()} at that moment. */
  interface Waiter {
    long await(FakeSidecar sidecar, Random jitter) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int peerRounds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    java.util.logging.Logger.getLogger("io.meshprobe").setLevel(java.util.logging.Level.WARNING);

    Map<String, Waiter> meshProbe = new LinkedHashMap<>();
    meshProbe.put("mesh-probe (default interval)", (s, r) -> meshProbe(s, null));
    meshProbe.put("mesh-probe, interval 20ms", (s, r) -> meshProbe(s, Duration.ofMillis(20)));
    meshProbe.put("mesh-probe, interval 50ms", (s, r) -> meshProbe(s, Duration.ofMillis(50)));
    Map<String, Waiter> peers = new LinkedHashMap<>();
    peers.put("Istio pilot-agent wait", UnblockLatency::istio);
    peers.put("linkerd-await", UnblockLatency::linkerdAwait);
    peers.put("scuttle", UnblockLatency::scuttle);

    Random random = new Random(42);
    Map<String, List<Double>> all = new LinkedHashMap<>();
    Map<String, List<Double>> paired = new LinkedHashMap<>(); // the rounds in which the peers ran too
    ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "waiter");
      t.setDaemon(true);
      return t;
    });
    // Warm-up: mesh-probe only, short flips, not counted.
    for (int i = 0; i < 15; i++) {
      round(pool, meshProbe, 20 + random.nextInt(100), random);
    }
    for (int i = 0; i < rounds; i++) {
      boolean withPeers = i < peerRounds;
      Map<String, Waiter> waiters = new LinkedHashMap<>(meshProbe);
      if (withPeers) {
        waiters.putAll(peers);
      }
      long delay = 100 + random.nextInt(2900);
      Map<String, Double> lat = round(pool, waiters, delay, random);
      for (Map.Entry<String, Double> e : lat.entrySet()) {
        all.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        if (withPeers) {
          paired.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
      }
      if ((i + 1) % 10 == 0) {
        System.err.printf("unblock: %d/%d rounds%n", i + 1, rounds);
      }
    }
    pool.shutdownNow();

    String base = "mesh-probe (default interval)";
    double baseP50Paired = Stats.median(paired.get(base));
    System.out.printf(Locale.ROOT, "%-32s %6s %9s %9s %9s %9s %16s%n", "strategy", "flips", "p50 ms", "p90 ms", "p99 ms",
        "max ms", "p50 vs mesh-probe");
    for (Map.Entry<String, List<Double>> e : all.entrySet()) {
      List<Double> l = e.getValue();
      String key = e.getKey().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-$", "").toLowerCase(Locale.ROOT);
      double ratio = Stats.median(paired.get(e.getKey())) / baseP50Paired;
      System.out.printf(Locale.ROOT, "%-32s %6d %9.2f %9.2f %9.2f %9.2f %15.1fx%n", e.getKey(), l.size(), Stats.pct(l, 50),
          Stats.pct(l, 90), Stats.pct(l, 99), Stats.pct(l, 100), ratio);
      Stats.result("unblock." + key + ".n", l.size());
      Stats.result("unblock." + key + ".p50", Stats.pct(l, 50));
      Stats.result("unblock." + key + ".p90", Stats.pct(l, 90));
      Stats.result("unblock." + key + ".p99", Stats.pct(l, 99));
      Stats.result("unblock." + key + ".max", Stats.pct(l, 100));
      Stats.result("unblock." + key + ".paired-p50", Stats.median(paired.get(e.getKey())));
      Stats.result("unblock." + key + ".ratio", ratio);
    }
    Stats.result("unblock.paired-rounds", peerRounds);
  }

  /** One flip: starts every waiter, flips the sidecar after {@code delayMs}, returns each waiter's latency in ms. */
  static Map<String, Double> round(ExecutorService pool, Map<String, Waiter> waiters, long delayMs, Random random)
      throws Exception {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Map<String, Double> latencies = new LinkedHashMap<>();
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyManually().log(quiet).start()) {
      CountDownLatch go = new CountDownLatch(1);
      Map<String, Future<Long>> running = new LinkedHashMap<>();
      for (Map.Entry<String, Waiter> e : waiters.entrySet()) {
        Random jitter = new Random(random.nextLong());
        running.put(e.getKey(), pool.submit(() -> {
          go.await();
          return e.getValue().await(sidecar, jitter);
        }));
      }
      go.countDown();
      TimeUnit.MILLISECONDS.sleep(delayMs);
      long flippedAt = System.nanoTime();
      sidecar.becomeReady();
      for (Map.Entry<String, Future<Long>> e : running.entrySet()) {
        long at = e.getValue().get(60, TimeUnit.SECONDS);
        latencies.put(e.getKey(), (at - flippedAt) / 1e6);
      }
    }
    return latencies;
  }

  static long meshProbe(FakeSidecar sidecar, Duration interval) {
    MeshProbe.Builder b =
        MeshProbe.builder()
            .mesh(MeshType.ISTIO_SIDECAR)
            .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
            .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
            .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN));
    if (interval != null) {
      b.waitInterval(interval);
    }
    try (MeshProbe probe = b.build()) {
      WaitResult r = probe.awaitReady(Duration.ofSeconds(30));
      long at = System.nanoTime();
      if (r.outcome() != WaitOutcome.READY) {
        throw new IllegalStateException("unexpected " + r);
      }
      return at;
    }
  }

  /** Istio {@code pilot-agent wait}: sleep the period, then check; repeat. */
  static long istio(FakeSidecar sidecar, Random unused) throws InterruptedException {
    String url = sidecar.url(SidecarPort.ISTIO_READINESS) + "/healthz/ready";
    while (true) {
      Thread.sleep(500);
      if (get(url, 500) == 200) {
        return System.nanoTime();
      }
    }
  }

  /** linkerd-await: check at once, then sleep the back-off (1 s) after each failure. */
  static long linkerdAwait(FakeSidecar sidecar, Random unused) throws InterruptedException {
    String url = sidecar.url(SidecarPort.ISTIO_READINESS) + "/healthz/ready";
    while (true) {
      int code = get(url, 5000);
      if (code >= 200 && code < 300) {
        return System.nanoTime();
      }
      Thread.sleep(1000);
    }
  }

  /** scuttle / envoy-preflight: Envoy /server_info LIVE; at once, then 0.5 s ×1.5 back-off with ±50 % jitter. */
  static long scuttle(FakeSidecar sidecar, Random jitter) throws InterruptedException {
    String url = sidecar.url(SidecarPort.ENVOY_ADMIN) + "/server_info";
    double interval = 500;
    while (true) {
      String body = getBody(url, 5000);
      if (body != null && LIVE.matcher(body).find()) {
        return System.nanoTime();
      }
      double delta = 0.5 * interval;
      double next = interval - delta + jitter.nextDouble() * (2 * delta + 1);
      interval = Math.min(interval * 1.5, 60_000);
      Thread.sleep((long) next);
    }
  }

  static int get(String url, int timeoutMs) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      c.setConnectTimeout(timeoutMs);
      c.setReadTimeout(timeoutMs);
      int code = c.getResponseCode();
      drain(c);
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  static String getBody(String url, int timeoutMs) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      c.setConnectTimeout(timeoutMs);
      c.setReadTimeout(timeoutMs);
      if (c.getResponseCode() != 200) {
        drain(c);
        return null;
      }
      try (InputStream in = c.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return null;
    }
  }

  private static void drain(HttpURLConnection c) {
    try (InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream()) {
      if (in != null) {
        in.readAllBytes();
      }
    } catch (IOException ignored) {
      // the status is what counts
    }
  }
}
