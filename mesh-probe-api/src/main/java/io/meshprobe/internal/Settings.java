package io.meshprobe.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Reads {@code meshprobe.*} configuration: a value set in code wins, then the system property, then the
 * environment variable ({@code MESHPROBE_} + the key upper-cased, {@code .} and {@code -} turned into
 * {@code _}), then the key's default.
 *
 * <p><b>Settings degrade per key.</b> A value that does not parse is one WARN line naming the key, the value and
 * the default used, and that default is used: one bad key never disables the rest (a bad
 * {@code MESHPROBE_WAIT_TIMEOUT} still leaves the 60 s wait, the quit and the metrics working). Values set in code
 * (the builder) are checked where they are set and still throw.
 *
 * <p>Only known keys are looked up in the environment, never arbitrary {@code MESHPROBE_*} names, so
 * the reverse mapping can never be ambiguous.
 */
public final class Settings {

  /** Where system properties and environment variables come from; swapped in tests. */
  public interface Source {
    @Nullable String property(String key);

    @Nullable String env(String name);

    /** The JVM's own system properties and process environment. */
    Source SYSTEM =
        new Source() {
          @Override
          public @Nullable String property(String key) {
            return System.getProperty(key);
          }

          @Override
          public @Nullable String env(String name) {
            return System.getenv(name);
          }
        };

    /** A fixed source, for tests. */
    static Source of(final Map<String, String> properties, final Map<String, String> env) {
      return new Source() {
        @Override
        public @Nullable String property(String key) {
          return properties.get(key);
        }

        @Override
        public @Nullable String env(String name) {
          return env.get(name);
        }
      };
    }
  }

  /** {@code key=value} pairs already warned about in this JVM: the agent and the library read the same keys. */
  private static final Set<String> WARNED = Collections.newSetFromMap(new ConcurrentHashMap<String, Boolean>());

  private final Source source;
  private final @Nullable Consumer<String> warnings;

  /** Settings from {@code source}; an invalid value is logged once per JVM as one WARN line, and its default is used. */
  public Settings(Source source) {
    this(source, null);
  }

  /** Settings whose warnings go to {@code warnings} (every time, not once per JVM); for tests and hosts with their own log. */
  public Settings(Source source, @Nullable Consumer<String> warnings) {
    this.source = source;
    this.warnings = warnings;
  }

  /** The environment variable that carries {@code key}: {@code meshprobe.wait.timeout} → {@code MESHPROBE_WAIT_TIMEOUT}. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The raw value of a key from system properties, then the environment; {@code null} when neither sets it. */
  public @Nullable String raw(String key) {
    String value = source.property(key);
    if (value == null || value.trim().isEmpty()) {
      value = source.env(envName(key));
    }
    return value == null || value.trim().isEmpty() ? null : value.trim();
  }

  /** Where a set value came from, for the warning: the system property, else the environment variable. */
  private String origin(String key) {
    String value = source.property(key);
    return value == null || value.trim().isEmpty() ? envName(key) + " (" + key + ")" : key;
  }

  public String string(MeshProbeKey key) {
    String value = raw(key.key());
    return value != null ? value : key.defaultValue();
  }

  /**
   * {@code true|yes|on|1} or {@code false|no|off|0}, any case. Anything else: one WARN line, the default. The premain
   * class of the agent holds a JDK-only twin of this rule ({@code MeshProbeAgent.bool}), tested against this one.
   */
  public boolean bool(MeshProbeKey key) {
    Boolean parsed = parseBool(string(key));
    if (parsed == null) {
      invalid(key, "true or false");
      return parseBool(key.defaultValue());
    }
    return parsed;
  }

  /** The boolean rule: {@code null} for a value that is neither. */
  public static @Nullable Boolean parseBool(String text) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    if (value.equals("true") || value.equals("yes") || value.equals("on") || value.equals("1")) {
      return Boolean.TRUE;
    }
    if (value.equals("false") || value.equals("no") || value.equals("off") || value.equals("0")) {
      return Boolean.FALSE;
    }
    return null;
  }

  /** A duration ({@link Durations}), zero allowed. Invalid or negative: one WARN line, the default. */
  public Duration duration(MeshProbeKey key) {
    try {
      return Durations.parse(key.key(), string(key));
    } catch (IllegalArgumentException e) {
      invalid(key, "a duration such as 500ms, 5s or 2m");
      return Durations.parse(key.key(), key.defaultValue());
    }
  }

  /** A duration above zero. Invalid, negative or zero: one WARN line, the default. */
  public Duration positiveDuration(MeshProbeKey key) {
    Duration d = duration(key);
    if (d.isZero()) {
      invalid(key, "a duration above zero");
      return Durations.parse(key.key(), key.defaultValue());
    }
    return d;
  }

  /** A size ({@link Bytes}), zero allowed. Invalid: one WARN line, the default. */
  public long bytes(MeshProbeKey key) {
    try {
      return Bytes.parse(key.key(), string(key));
    } catch (IllegalArgumentException e) {
      invalid(key, "a size such as 65536, 64KiB or 16MiB");
      return Bytes.parse(key.key(), key.defaultValue());
    }
  }

  /** A size above zero. Invalid or zero: one WARN line, the default. */
  public long positiveBytes(MeshProbeKey key) {
    long n = bytes(key);
    if (n == 0) {
      invalid(key, "a size above zero");
      return Bytes.parse(key.key(), key.defaultValue());
    }
    return n;
  }

  /** One of {@code allowed} (lower case), any case in the value. Anything else: one WARN line, the default. */
  public String choice(MeshProbeKey key, String... allowed) {
    String value = string(key).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(value)) {
        return a;
      }
    }
    StringBuilder one = new StringBuilder("one of ");
    for (int i = 0; i < allowed.length; i++) {
      one.append(i == 0 ? "" : i == allowed.length - 1 ? " or " : ", ").append(allowed[i]);
    }
    invalid(key, one.toString());
    return key.defaultValue();
  }

  /**
   * Reports an invalid value of {@code key}: one WARN line naming the key (and the environment variable, if that is
   * where it came from), the value and the default used instead.
   */
  public void invalid(MeshProbeKey key, String expected) {
    String value = raw(key.key());
    String line =
        origin(key.key()) + "='" + value + "' is not " + expected + "; using the default "
            + (key.defaultValue().isEmpty() ? "(empty)" : key.defaultValue());
    Consumer<String> to = warnings;
    if (to != null) {
      to.accept(line);
    } else if (WARNED.add(key.key() + "=" + value)) {
      Log.warn(line);
    }
  }
}
