package io.meshprobe.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads {@code meshprobe.*} configuration: a value set in code wins, then the system property, then the
 * environment variable ({@code MESHPROBE_} + the key upper-cased, {@code .} and {@code -} turned into
 * {@code _}), then the key's default.
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

  private final Source source;

  public Settings(Source source) {
    this.source = source;
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

  public String string(MeshProbeKey key) {
    String value = raw(key.key());
    return value != null ? value : key.defaultValue();
  }

  public boolean bool(MeshProbeKey key) {
    String value = string(key).toLowerCase(Locale.ROOT);
    if (value.equals("true") || value.equals("yes") || value.equals("on") || value.equals("1")) {
      return true;
    }
    if (value.equals("false") || value.equals("no") || value.equals("off") || value.equals("0")) {
      return false;
    }
    throw new IllegalArgumentException(key.key() + " must be true or false, but was '" + value + "'");
  }

  public Duration duration(MeshProbeKey key) {
    return Durations.parse(key.key(), string(key));
  }

  public long bytes(MeshProbeKey key) {
    return Bytes.parse(key.key(), string(key));
  }
}
