package io.meshprobe.agent.it.apps;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.MBeanServerDelegate;
import javax.management.MBeanServerNotification;
import javax.management.NotificationListener;
import javax.management.ObjectName;

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
      // Classic switch, no Java 9+ language: the apps compile for the oldest JVM the ITs run on (see the pom).
      switch (kv[0]) {
        case "hook":
          Runtime.getRuntime().addShutdownHook(new Thread(() -> appHook(v), "app-hook"));
          break;
        case "java-lang-open":
          System.out.println("java-lang-open=" + javaLangOpenToApp());
          break;
        case "slow-hook":
          Runtime.getRuntime().addShutdownHook(new Thread(() -> slowHook(Long.parseLong(v)), "app-slow-hook"));
          break;
        case "socket":
          {
            String[] hp = v.split(":");
            try (Socket s = new Socket()) {
              s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 20_000);
              System.out.println("connected " + System.currentTimeMillis());
            }
            break;
          }
        case "channel":
          {
            String[] hp = v.split(":");
            try (SocketChannel c = SocketChannel.open(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])))) {
              System.out.println("channel-connected " + System.currentTimeMillis());
            }
            break;
          }
        case "meters":
          meters();
          break;
        case "expose":
          expose();
          break;
        case "exit":
          System.exit(Integer.parseInt(v));
          break;
        case "installed":
          System.out.println("installed=" + System.getProperty("meshprobe.agent.installed"));
          break;
        case "await-file":
          {
            // The test's signal to end: this app is a Job whose work ends when the file appears.
            System.out.println("awaiting " + v);
            java.nio.file.Path file = java.nio.file.Paths.get(v);
            while (!java.nio.file.Files.exists(file)) {
              Thread.sleep(10);
            }
            break;
          }
        case "throw":
          throw new IllegalStateException("app failed");
        case "wait":
          System.out.println("waiting");
          new CountDownLatch(1).await();
          break;
        default:
          throw new IllegalArgumentException(arg);
      }
    }
    System.out.println("main-end");
  }

  /**
   * Prints every attribute of the agent's MXBean ({@code mxbean <name>=<value>}) and every meter of a registry in
   * {@code Metrics.globalRegistry} and of a registry of the app's own ({@code meter <registry> <name> <id> <measurements>}),
   * once the start-up and status-backed meters are in.
   */
  private static void expose() throws Exception {
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    SimpleMeterRegistry inGlobal = new SimpleMeterRegistry();
    Metrics.addRegistry(inGlobal);
    // The start-up meters, and the status-backed ones (registered after the agent's first status read, in the
    // background): waiting for all of them makes the listing the same on every run.
    List<String> names =
        List.of(
            "meshprobe.proxy.ready",
            "meshprobe.proxy.info",
            "meshprobe.proxy.wait.time",
            "meshprobe.proxy.quit",
            "meshprobe.quit.available",
            "meshprobe.mtls.mode",
            "meshprobe.identity.info",
            "meshprobe.identity.cert.expiration.timestamp",
            "meshprobe.findings",
            "meshprobe.config.last.update.timestamp",
            "meshprobe.config.rejected",
            "meshprobe.controlplane.connected",
            "meshprobe.proxy.memory");
    boolean all = awaitMeters(own, names) && awaitMeters(inGlobal, names);
    System.out.println("meters " + (all ? "complete" : "incomplete"));
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName name = new ObjectName("io.meshprobe:type=MeshProbe");
    System.out.println("mxbean " + (awaitMBean(server, name) ? "registered" : "missing"));
    for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) {
      Object v = server.getAttribute(name, a.getName());
      System.out.println("mxbean " + a.getName() + "=" + (v instanceof int[] ? Arrays.toString((int[]) v) : String.valueOf(v)));
    }
    for (MeterRegistry r : List.of(inGlobal, own)) {
      for (Meter m : r.getMeters()) {
        System.out.println("meter " + r.getClass().getSimpleName() + " " + m.getId().getName() + " " + m.getId() + " " + m.measure());
      }
    }
  }

  /** Waits (10 s at most) until {@code name} is registered: the agent registers its MXBean in the background. */
  private static boolean awaitMBean(MBeanServer server, ObjectName name) throws Exception {
    CountDownLatch registered = new CountDownLatch(1);
    NotificationListener listener =
        (n, handback) -> {
          if (n instanceof MBeanServerNotification && name.equals(((MBeanServerNotification) n).getMBeanName())) {
            registered.countDown();
          }
        };
    server.addNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener, null, null);
    try {
      return server.isRegistered(name) || registered.await(10, TimeUnit.SECONDS);
    } finally {
      server.removeNotificationListener(MBeanServerDelegate.DELEGATE_NAME, listener);
    }
  }

  /** Waits (10 s at most) until {@code registry} has meters of all these names: the agent adds them in the background. */
  private static boolean awaitMeters(MeterRegistry registry, List<String> names) throws InterruptedException {
    Set<String> seen = ConcurrentHashMap.newKeySet();
    CountDownLatch done = new CountDownLatch(1);
    Consumer<Meter> add =
        m -> {
          if (names.contains(m.getId().getName())) {
            seen.add(m.getId().getName());
            if (seen.containsAll(names)) {
              done.countDown();
            }
          }
        };
    registry.config().onMeterAdded(add);
    registry.getMeters().forEach(add);
    return done.await(10, TimeUnit.SECONDS);
  }

  /** Whether {@code java.lang} is open to this app's (unnamed) module, so that any library could reflect into it. */
  static boolean javaLangOpenToApp() {
    return Object.class.getModule().isOpen("java.lang", AgentTestApp.class.getModule());
  }

  /**
   * A hook that works {@code millis}, then says whether {@code java.lang} is open to the app now (every set-up of the
   * agent is done by then), lists the agent's live threads with their context class loaders and, as its last action, when it ended ({@code slow-hook-end <epochMillis>}).
   */
  private static void slowHook(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    System.out.println("java-lang-open-at-exit=" + javaLangOpenToApp());
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("mesh-probe")) {
        System.out.println("agent-thread " + t.getName() + " context-loader=" + t.getContextClassLoader());
      }
    }
    System.out.println("slow-hook-end " + System.currentTimeMillis());
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

  /** A registry of the app's own and one inside {@code Metrics.globalRegistry} (a composite) both get the meters. */
  private static void meters() throws InterruptedException {
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    SimpleMeterRegistry global = new SimpleMeterRegistry();
    Metrics.addRegistry(global);
    long end = System.currentTimeMillis() + 10_000;
    while (System.currentTimeMillis() < end) {
      boolean inOwn = own.find("meshprobe.proxy.ready").gauge() != null && own.find("meshprobe.proxy.info").gauge() != null;
      boolean inGlobal = global.find("meshprobe.proxy.ready").gauge() != null;
      if (inOwn && inGlobal) {
        System.out.println(
            "meters ready=" + own.get("meshprobe.proxy.ready").gauge().value() + " info=" + own.get("meshprobe.proxy.info").gauge().getId().getTags());
        return;
      }
      Thread.sleep(10);
    }
    System.out.println("meters missing own=" + own.getMeters() + " global=" + global.getMeters());
  }
}
