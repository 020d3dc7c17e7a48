package io.meshprobe.internal.meters;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** One series of a meter: its tag values (in the order of {@link MeterDef#tagKeys()}) and its current value. */
public final class MeterRow {
  private final List<String> tagValues;
  private final double value;

  MeterRow(double value, String... tagValues) {
    this.value = value;
    this.tagValues = Collections.unmodifiableList(Arrays.asList(tagValues.clone()));
  }

  public List<String> tagValues() {
    return tagValues;
  }

  public double value() {
    return value;
  }

  @Override
  public String toString() {
    return tagValues + "=" + value;
  }
}
