package io.meshprobe.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Time to the first successful outbound call of an app whose own init (1.5 s) takes as long as the proxy's start
 * (the fake sidecar turns ready 1.5 s after t0). t0 is when the harness starts the sidecar; the app JVM is forked
 * right after it, except in "serial". The outbound target is an HTTP server on this machine's non-loopback address
 * (the agent's gate lets loopback through); like a meshed pod whose outbound traffic goes through a proxy that is
 * not up yet, it answers 503 until the sidecar is ready, and the app retries every 5 ms until it gets a 200.
 *
 * <ul>
 *   <li><b>serial</b>: the app starts only once the proxy is ready (what Istio's holdApplicationUntilProxyStarts or a
 *       wait-then-exec entrypoint does). Best case for serial: the harness polls readiness every 5 ms and forks the
 *       app (no agent) at once.
 *   <li><b>block</b>: the agent in its default mode; premain holds {@code main} until the proxy is ready.
 *   <li><b>gate</b>: the agent with {@code wait.mode=gate}; {@code main} (the init) runs at once, the first
 *       non-loopback connect waits for the proxy.
 * </ul>
 *
 * <p>Usage: {@code GateVsSerial <java> <agent-jar> [runs=7]}; the modes run in rotating order in each run.
 */
public final class GateVsSerial {
  private GateVsSerial() {}

  public static void main(String[] args) throws Exception {
    String java = args[0];
    String agentJar = args[1];
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    long initMs = 1500;
    Duration proxyStart = Duration.ofMillis(1500);
    InetAddress outbound = nonLoopback();
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    String[] modes = {"serial", "block", "gate"};
    Map<String, List<Double>> firstCall = new LinkedHashMap<>();
    Map<String, List<Double>> ready = new LinkedHashMap<>();
    int early = 0;
    for (int run = 0; run < runs + 1; run++) { // run 0 warms the page cache, not counted
      for (int m = 0; m < modes.length; m++) {
        String mode = modes[(m + run) % modes.length];
        try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyAfter(proxyStart).log(quiet).build()) {
          HttpServer target = HttpServer.create(new InetSocketAddress(outbound, 0), 50);
          target.createContext("/", ex -> {
            byte[] body = (sidecar.isReady() ? "ok" : "upstream connect error").getBytes();
            ex.sendResponseHeaders(sidecar.isReady() ? 200 : 503, body.length);
            try (OutputStream o = ex.getResponseBody()) {
              o.write(body);
            }
          });
          target.start();
          String url = "http://" + outbound.getHostAddress() + ":" + target.getAddress().getPort() + "/";
          try {
            long t0 = System.currentTimeMillis();
            sidecar.start();
            String agent =
                "-javaagent:" + agentJar + "=mesh=istio;istio.status-url=" + sidecar.url(SidecarPort.ISTIO_STATUS)
                    + ";istio.readiness-url=" + sidecar.url(SidecarPort.ISTIO_READINESS) + ";istio.admin-url="
                    + sidecar.url(SidecarPort.ENVOY_ADMIN) + ";quit=never;agent.jmx=false;agent.metrics=false";
            List<String> lines;
            switch (mode) {
              case "serial" -> {
                String readiness = sidecar.url(SidecarPort.ISTIO_READINESS) + "/healthz/ready";
                while (status(readiness) != 200) {
                  Thread.sleep(5);
                }
                lines = Forked.run(Forked.app(java, null, "init=" + initMs, "call=" + url));
              }
              case "block" -> lines = Forked.run(Forked.app(java, agent, "init=" + initMs, "call=" + url));
              default -> lines = Forked.run(Forked.app(java, agent + ";wait.mode=gate", "init=" + initMs, "call=" + url));
            }
            long called = Forked.millis(lines, "called");
            if (!lines.toString().contains("attempts=1")) {
              early++;
            }
            if (run > 0) {
              firstCall.computeIfAbsent(mode, k -> new ArrayList<>()).add((double) (called - t0));
              ready.computeIfAbsent(mode, k -> new ArrayList<>()).add((double) (sidecar.readyAtEpochMillis() - t0));
            }
          } finally {
            target.stop(0);
          }
        }
      }
      System.err.printf("gate-vs-serial: %d/%d runs%n", run, runs);
    }
    for (String mode : modes) {
      List<Double> l = firstCall.get(mode);
      Collections.sort(l);
      double ratio = Stats.median(l) / Stats.median(firstCall.get("serial"));
      System.out.printf(Locale.ROOT, "%-7s first call median %6.0f ms after t0 (proxy ready at %4.0f ms), %.2f of serial %s%n",
          mode, Stats.median(l), Stats.median(ready.get(mode)), ratio, l);
      Stats.result("gate." + mode + ".median", Stats.median(l));
      Stats.result("gate." + mode + ".ratio", ratio);
      Stats.result("gate." + mode + ".ready", Stats.median(ready.get(mode)));
    }
    Stats.result("gate.runs", runs);
    Stats.result("gate.retried-calls", early);
    Stats.result("gate.faster-than-serial-pct",
        100 * (1 - Stats.median(firstCall.get("gate")) / Stats.median(firstCall.get("serial"))));
  }

  static int status(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(1000);
      int code = c.getResponseCode();
      c.disconnect();
      return code;
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  static InetAddress nonLoopback() throws Exception {
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp() || ni.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return a;
        }
      }
    }
    throw new IllegalStateException("gate-vs-serial needs a non-loopback IPv4 address (the gate lets loopback pass)");
  }
}
