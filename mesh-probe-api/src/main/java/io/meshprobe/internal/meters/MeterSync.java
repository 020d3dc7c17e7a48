package io.meshprobe.internal.meters;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Keeps one registry's meters equal to the definition's rows: one registered meter per row of every
 * {@link MeterDefs#ALL meter}, added when a row appears and removed when it goes away (a port that closes, a finding
 * that clears, a value that becomes unknown). The registry is behind a {@link Registrar}: Micrometer itself in
 * {@code MeshProbeMetrics}, Micrometer through reflection in the agent; nothing here knows Micrometer.
 *
 * <p>Each registered meter reads a {@link Cell}: its row's value at the time of the scrape, or, in the short time
 * between a row's disappearance and the next {@link #sync()}, the last value it had (never NaN).
 */
public final class MeterSync {
  /** Registers and removes single meters in one registry. */
  public interface Registrar {
    /**
     * Registers the meter for one row: {@code def}'s name, kind, base unit and description, the tags
     * {@code tags} (key, value, key, value, ...), reading {@code cell} with {@link MeterSync#VALUE}. Returns what
     * {@link #remove} needs.
     */
    Object register(MeterDef def, String[] tags, Cell cell) throws Exception;

    void remove(Object meter) throws Exception;
  }

  /** The value function every meter is registered with. */
  public static final ToDoubleFunction<Cell> VALUE =
      new ToDoubleFunction<Cell>() {
        @Override
        public double applyAsDouble(Cell c) {
          return c.value();
        }
      };

  /** What one registered meter reads. */
  public static final class Cell {
    private final MeterDef def;
    private final List<String> tagValues;
    private final MeterSource source;
    private volatile double last;

    Cell(MeterDef def, List<String> tagValues, MeterSource source, double first) {
      this.def = def;
      this.tagValues = tagValues;
      this.source = source;
      this.last = first;
    }

    /** The row's value now, else the last one seen. */
    public double value() {
      Double v = def.value(source, tagValues);
      if (v != null) {
        last = v;
      }
      return last;
    }
  }

  private final MeterSource source;
  private final Registrar registrar;
  private final Map<String, Object> meters = new LinkedHashMap<String, Object>();
  private @Nullable String failure;

  public MeterSync(MeterSource source, Registrar registrar) {
    this.source = source;
    this.registrar = registrar;
  }

  /**
   * Adds the rows that are new and removes the ones that are gone. Returns {@code false} when the registry
   * refused something ({@link #failure()} says what); the next call tries again.
   */
  public synchronized boolean sync() {
    Map<String, Object[]> wanted = new LinkedHashMap<String, Object[]>();
    for (MeterDef def : MeterDefs.ALL) {
      for (MeterRow row : def.rows(source)) {
        wanted.put(key(def, row.tagValues()), new Object[] {def, row});
      }
    }
    boolean ok = true;
    for (Iterator<Map.Entry<String, Object>> it = meters.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Object> m = it.next();
      if (!wanted.containsKey(m.getKey())) {
        try {
          registrar.remove(((Object[]) m.getValue())[0]);
          it.remove();
        } catch (Exception e) {
          ok = fail(m.getKey(), e);
        }
      }
    }
    for (Map.Entry<String, Object[]> w : wanted.entrySet()) {
      if (meters.containsKey(w.getKey())) {
        continue;
      }
      MeterDef def = (MeterDef) w.getValue()[0];
      MeterRow row = (MeterRow) w.getValue()[1];
      try {
        Cell cell = new Cell(def, row.tagValues(), source, row.value());
        Object meter = registrar.register(def, tags(def, row.tagValues()), cell);
        // The cell stays reachable from here: a function counter holds it only weakly.
        meters.put(w.getKey(), new Object[] {meter, cell});
      } catch (Exception e) {
        ok = fail(w.getKey(), e);
      }
    }
    if (ok) {
      failure = null;
    }
    return ok;
  }

  /** What the last {@link #sync()} could not do, or {@code null}. */
  public synchronized @Nullable String failure() {
    return failure;
  }

  /** How many meters are registered now. */
  public synchronized int size() {
    return meters.size();
  }

  private boolean fail(String key, Exception e) {
    Throwable cause = e.getCause() != null && e.getClass().getName().endsWith("InvocationTargetException") ? e.getCause() : e;
    failure = key + ": " + cause;
    return false;
  }

  static String[] tags(MeterDef def, List<String> values) {
    List<String> keys = def.tagKeys();
    String[] tags = new String[keys.size() * 2];
    for (int i = 0; i < keys.size(); i++) {
      tags[2 * i] = keys.get(i);
      tags[2 * i + 1] = values.get(i);
    }
    return tags;
  }

  private static String key(MeterDef def, List<String> values) {
    List<String> k = new ArrayList<String>(values.size() + 1);
    k.add(def.name());
    k.addAll(values);
    return k.toString();
  }
}
