package io.meshprobe.agent.it.apps;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CountDownLatch;

/**
 * The app the integration tests run with the agent, in a forked JVM. Prints {@code main-start <epochMillis>}
 * first, then does what its arguments say, printing one line per step to stdout.
 */
public final class AgentTestApp {
  public static void main(String[] args) throws Exception {
    System.out.println("main-start " + System.currentTimeMillis());
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      String v = kv.length > 1 ? kv[1] : "";
      switch (kv[0]) {
        case "hook" -> Runtime.getRuntime().addShutdownHook(new Thread(() -> appHook(v), "app-hook"));
        case "socket" -> {
          String[] hp = v.split(":");
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 20_000);
            System.out.println("connected " + System.currentTimeMillis());
          }
        }
        case "channel" -> {
          String[] hp = v.split(":");
          try (SocketChannel c = SocketChannel.open(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))) {
            System.out.println("channel-connected " + System.currentTimeMillis());
          }
        }
        case "meters" -> meters();
        case "exit" -> System.exit(Integer.parseInt(v));
        case "throw" -> throw new IllegalStateException("app failed");
        case "wait" -> {
          System.out.println("waiting");
          new CountDownLatch(1).await();
        }
        default -> throw new IllegalArgumentException(arg);
      }
    }
    System.out.println("main-end");
  }

  /** The app's own last call through the proxy, a little after shutdown begins (like a telemetry flush). */
  private static void appHook(String url) {
    try {
      Thread.sleep(300);
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      c.getResponseCode();
      c.disconnect();
    } catch (Exception e) {
      System.out.println("hook-failed " + e);
    }
  }

  private static void meters() throws InterruptedException {
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    long end = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < end) {
      boolean inOwn = own.find("meshprobe.proxy.ready").gauge() != null && own.find("meshprobe.proxy.info").gauge() != null;
      boolean inGlobal = Metrics.globalRegistry.find("meshprobe.proxy.ready").gauge() != null;
      if (inOwn && inGlobal) {
        System.out.println(
            "meters ready=" + own.get("meshprobe.proxy.ready").gauge().value() + " info=" + own.get("meshprobe.proxy.info").gauge().getId().getTags());
        return;
      }
      Thread.sleep(10);
    }
    System.out.println("meters missing own=" + own.getMeters() + " global=" + Metrics.globalRegistry.getMeters());
  }
}
