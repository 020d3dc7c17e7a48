package io.meshprobe.agent.it.apps;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.TreeSet;

/**
 * Micrometer API that exists since 1.x (run with Micrometer 1.9 on the class path): a registry inside
 * {@code Metrics.globalRegistry}; prints {@code micrometer <version>}, then {@code meters <names>} once the names in
 * {@code args} are all registered (30 s at most), then {@code meter <id> <value>} for each meshprobe meter.
 */
public final class OldMicrometerApp {
  public static void main(String[] args) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Metrics.addRegistry(registry);
    System.out.println("micrometer " + MeterRegistry.class.getPackage().getImplementationVersion());
    List<String> required = List.of(args);
    long deadline = System.currentTimeMillis() + 30_000;
    TreeSet<String> names = new TreeSet<>();
    while (System.currentTimeMillis() < deadline) {
      names.clear();
      for (Meter m : registry.getMeters()) {
        names.add(m.getId().getName());
      }
      if (names.containsAll(required)) {
        break;
      }
      Thread.sleep(20);
    }
    System.out.println("meters " + String.join(",", names));
    for (Meter m : registry.getMeters()) {
      System.out.println("meter " + m.getId() + " " + m.measure().iterator().next().getValue());
    }
  }
}
