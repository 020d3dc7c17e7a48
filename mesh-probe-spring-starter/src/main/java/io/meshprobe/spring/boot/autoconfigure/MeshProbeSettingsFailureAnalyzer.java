package io.meshprobe.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;

/**
 * Turns a {@code meshprobe.*} value the library refused into Boot's "APPLICATION FAILED TO START" report, naming the
 * property, its value and where it was set (the property source, and the file and line where Boot knows them), as
 * Boot's own {@code InvalidConfigurationPropertyValueFailureAnalyzer} does. Registered in
 * {@code META-INF/spring.factories}; Boot passes the {@link Environment}.
 */
final class MeshProbeSettingsFailureAnalyzer extends AbstractFailureAnalyzer<MeshProbeSettingsException> {
  private final @Nullable Environment environment;

  MeshProbeSettingsFailureAnalyzer(@Nullable Environment environment) {
    this.environment = environment;
  }

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, MeshProbeSettingsException cause) {
    String property = cause.property();
    StringBuilder description = new StringBuilder("Invalid mesh-probe setting: ").append(cause.getMessage());
    if (property != null) {
      description.append("\n\n    Property: ").append(property);
      ConfigurationProperty found = find(property);
      if (found != null) {
        description.append("\n    Value:    \"").append(found.getValue()).append('"');
        Origin origin = found.getOrigin();
        if (origin != null) {
          description.append("\n    Origin:   ").append(origin);
        }
        String source = sourceName(found);
        if (source != null) {
          description.append("\n    Source:   ").append(source);
        }
      }
    }
    String where = property == null ? "the meshprobe.* property named above" : property;
    String action =
        "Correct "
            + where
            + " where it is set, or remove it to use the default (the starter's README lists the keys and values)."
            + (String.valueOf(cause.getMessage()).contains("loopback")
                ? " The proxy's admin API is pod-local: point it at 127.0.0.1; set meshprobe.admin.allow-remote=true only"
                    + " if a remote admin API is really meant."
                : "");
    return new FailureAnalysis(description.toString(), action, cause);
  }

  /** The property as Boot's binder sees it: the first (winning) source that has it, relaxed names included. */
  private @Nullable ConfigurationProperty find(String property) {
    if (environment == null || !ConfigurationPropertyName.isValid(property)) {
      return null;
    }
    ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      ConfigurationProperty p = source.getConfigurationProperty(name);
      if (p != null) {
        return p;
      }
    }
    return null;
  }

  private static @Nullable String sourceName(ConfigurationProperty p) {
    ConfigurationPropertySource source = p.getSource();
    Object underlying = source == null ? null : source.getUnderlyingSource();
    return underlying instanceof PropertySource<?> ps ? ps.getName() : null;
  }
}
