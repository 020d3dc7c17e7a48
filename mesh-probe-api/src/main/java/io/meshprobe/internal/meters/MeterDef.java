package io.meshprobe.internal.meters;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One meter of the set: what it is called and how it reads. A meter has zero or more rows (series), each with a
 * value for every tag key; a meter whose value is not known has no row at all, so no exporter ever shows a NaN
 * sample for it.
 */
public final class MeterDef {
  /** How a meter is exported. */
  public enum Kind {
    /** A value that goes up and down ({@code Gauge}). */
    GAUGE("gauge", "gauge"),
    /** A duration, in seconds ({@code TimeGauge}); Prometheus appends {@code _seconds}. */
    TIME_GAUGE("time gauge", "gauge"),
    /** A monotonic count read from the state ({@code FunctionCounter}); Prometheus appends {@code _total}. */
    FUNCTION_COUNTER("function counter", "counter");

    private final String label;
    private final String prometheusType;

    Kind(String label, String prometheusType) {
      this.label = label;
      this.prometheusType = prometheusType;
    }

    public String label() {
      return label;
    }

    public String prometheusType() {
      return prometheusType;
    }
  }

  /** Reads a meter's current rows from the probe's cached state; adds none when the value is not known. */
  interface Rows {
    void read(MeterSource source, List<MeterRow> out);
  }

  private final String name;
  private final Kind kind;
  private final @Nullable String baseUnit;
  private final String description;
  private final List<String> tagKeys;
  private final Rows rows;

  MeterDef(String name, Kind kind, @Nullable String baseUnit, String description, List<String> tagKeys, Rows rows) {
    this.name = name;
    this.kind = kind;
    this.baseUnit = kind == Kind.TIME_GAUGE ? "seconds" : baseUnit;
    this.description = description;
    this.tagKeys = Collections.unmodifiableList(new ArrayList<String>(tagKeys));
    this.rows = rows;
  }

  /** Micrometer's name, e.g. {@code meshprobe.proxy.ready}. */
  public String name() {
    return name;
  }

  public Kind kind() {
    return kind;
  }

  /** {@code seconds}, {@code bytes} or {@code null}; always {@code seconds} for a {@link Kind#TIME_GAUGE}. */
  public @Nullable String baseUnit() {
    return baseUnit;
  }

  public String description() {
    return description;
  }

  /** The tag keys every row has a value for, in order; empty for a single-series meter. */
  public List<String> tagKeys() {
    return tagKeys;
  }

  /** The rows now, read from the cached state; empty when nothing is known. Never throws. */
  public List<MeterRow> rows(MeterSource source) {
    List<MeterRow> out = new ArrayList<MeterRow>(2);
    try {
      rows.read(source, out);
    } catch (RuntimeException e) {
      // a closed probe, or a state read mid-change: nothing to report this time
      out.clear();
    }
    return out;
  }

  /** The current value of the row with these tag values, or {@code null} when that row is absent now. */
  public @Nullable Double value(MeterSource source, List<String> tagValues) {
    for (MeterRow r : rows(source)) {
      if (r.tagValues().equals(tagValues)) {
        return r.value();
      }
    }
    return null;
  }

  /**
   * The series name a Micrometer Prometheus registry gives this meter ({@code PrometheusNamingConvention}): dots
   * become underscores, the base unit is appended unless the name ends with it, and counters end in
   * {@code _total}.
   */
  public String prometheusName() {
    String n = name.replace('.', '_');
    if (baseUnit != null && !n.endsWith("_" + baseUnit)) {
      n = n + "_" + baseUnit;
    }
    return kind == Kind.FUNCTION_COUNTER ? n + "_total" : n;
  }

  /** The type as {@code docs/metrics.md} writes it: {@code gauge}, {@code gauge (multi)}, {@code time gauge}, .... */
  public String docType() {
    return kind == Kind.GAUGE && !tagKeys.isEmpty() ? "gauge (multi)" : kind.label();
  }

  @Override
  public String toString() {
    return name + " (" + docType() + (baseUnit == null ? "" : ", " + baseUnit) + ", tags " + tagKeys + ")";
  }

  static List<String> keys(String... keys) {
    return Arrays.asList(keys);
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
