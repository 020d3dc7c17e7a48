package io.meshprobe.benchmarks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Percentiles over samples, and the {@code @result key value} lines that benchmarks/run.sh collects. */
final class Stats {
  private Stats() {}

  /** Nearest-rank percentile (p in 0..100) of unsorted samples. */
  static double pct(List<Double> samples, double p) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  static double median(List<Double> samples) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  static void result(String key, double value) {
    System.out.printf(Locale.ROOT, "@result %s %.3f%n", key, value);
  }

  static void result(String key, String value) {
    System.out.printf(Locale.ROOT, "@result %s %s%n", key, value);
  }
}
