package io.meshprobe.agent.it.apps;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.TreeSet;

/**
 * An app with Micrometer as Spring Boot sets it up by default: a {@link PrometheusMeterRegistry} inside
 * {@code Metrics.globalRegistry}; plus a registry of its own outside it. Prints {@code scrape-complete <ms since JVM
 * start>} once the Prometheus scrape has every series of {@code args}, then the scrape's meshprobe lines
 * ({@code scrape <line>}) and the meshprobe meters of its own registry ({@code own <names>}). With
 * {@code --finding CODE} it then waits until that finding is present ({@code finding-present}) and until it clears
 * ({@code finding-gone}), printing the scrape at each step.
 */
public final class MetricsApp {
  public static void main(String[] args) throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Metrics.addRegistry(prometheus);
    SimpleMeterRegistry own = new SimpleMeterRegistry();
    String finding = null;
    List<String> required = new java.util.ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--finding")) {
        finding = args[++i];
      } else {
        required.add(args[i]);
      }
    }
    long deadline = System.currentTimeMillis() + 30_000;
    while (!required.stream().allMatch(r -> hasSeries(prometheus.scrape(), r))) {
      if (System.currentTimeMillis() > deadline) {
        System.out.println("scrape-incomplete");
        print(prometheus.scrape());
        return;
      }
      Thread.sleep(20);
    }
    System.out.println("scrape-complete " + (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()));
    print(prometheus.scrape());
    TreeSet<String> ownNames = new TreeSet<>();
    for (Meter m : own.getMeters()) {
      ownNames.add(m.getId().getName());
    }
    for (Meter m : prometheus.getMeters()) {
      System.out.println("meter " + m.getClass().getName() + " " + m.getId());
    }
    System.out.println("own " + String.join(",", ownNames));
    if (finding == null) {
      return;
    }
    String selector = "meshprobe_findings{code=\"" + finding + "\"";
    deadline = System.currentTimeMillis() + 30_000;
    while (!prometheus.scrape().contains(selector)) {
      if (System.currentTimeMillis() > deadline) {
        System.out.println("finding-never-present");
        return;
      }
      Thread.sleep(20);
    }
    System.out.println("finding-present");
    deadline = System.currentTimeMillis() + 30_000;
    while (prometheus.scrape().contains(selector)) {
      if (System.currentTimeMillis() > deadline) {
        System.out.println("finding-still-there");
        return;
      }
      Thread.sleep(20);
    }
    System.out.println("finding-gone");
    for (String line : prometheus.scrape().split("\n")) {
      if (line.startsWith("meshprobe_")) {
        System.out.println("after " + line);
      }
    }
  }

  static boolean hasSeries(String scrape, String name) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return true;
      }
    }
    return false;
  }

  private static void print(String scrape) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith("meshprobe_")) {
        System.out.println("scrape " + line);
      }
    }
  }
}
