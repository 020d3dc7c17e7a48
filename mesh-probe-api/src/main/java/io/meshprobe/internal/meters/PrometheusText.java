package io.meshprobe.internal.meters;

import java.util.List;

/**
 * The meter set in the Prometheus text exposition format (version 0.0.4), with the series names and labels a
 * Micrometer {@code PrometheusMeterRegistry} gives the same meters ({@link MeterDef#prometheusName()}), so
 * dashboards and alerts work the same whichever way the numbers left the JVM. JDK only; no meter without rows.
 */
public final class PrometheusText {
  /** The {@code Content-Type} of {@link #render}'s output. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private PrometheusText() {}

  /**
   * Every meter with rows, from one {@link MeterSource#snapshot()} of {@code source}: the series of one scrape agree
   * with each other (without it, a status arriving mid-scrape gave {@code meshprobe_mtls_mode} without {@code
   * meshprobe_mtls_enabled}).
   */
  public static String render(MeterSource source) {
    MeterSource now = source.snapshot();
    StringBuilder out = new StringBuilder(2048);
    for (MeterDef def : MeterDefs.ALL) {
      List<MeterRow> rows = def.rows(now);
      if (rows.isEmpty()) {
        continue;
      }
      // As Micrometer's Prometheus client writes them: HELP and TYPE name the series, counters too.
      String family = def.prometheusName();
      out.append("# HELP ").append(family).append(' ');
      escape(def.description(), false, out);
      out.append('\n');
      out.append("# TYPE ").append(family).append(' ').append(def.kind().prometheusType()).append('\n');
      for (MeterRow row : rows) {
        out.append(def.prometheusName());
        List<String> keys = def.tagKeys();
        if (!keys.isEmpty()) {
          out.append('{');
          for (int i = 0; i < keys.size(); i++) {
            if (i > 0) {
              out.append(',');
            }
            out.append(keys.get(i)).append("=\"");
            escape(row.tagValues().get(i), true, out);
            out.append('"');
          }
          out.append('}');
        }
        out.append(' ').append(Double.toString(row.value())).append('\n');
      }
    }
    return out.toString();
  }

  private static void escape(String s, boolean label, StringBuilder out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '"' && label) {
        out.append("\\\"");
      } else {
        out.append(c);
      }
    }
  }
}
