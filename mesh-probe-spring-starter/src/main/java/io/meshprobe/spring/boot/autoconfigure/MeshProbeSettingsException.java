package io.meshprobe.spring.boot.autoconfigure;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A {@code meshprobe.*} value the library refused when the probe was built (a non-loopback admin URL, an unknown
 * mesh); Boot's binder had already accepted its type. Reported by {@link MeshProbeSettingsFailureAnalyzer}.
 */
final class MeshProbeSettingsException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private static final Pattern PROPERTY = Pattern.compile("meshprobe\\.[a-z0-9.-]*[a-z0-9]");

  MeshProbeSettingsException(@Nullable String message, IllegalArgumentException cause) {
    super(message == null ? "invalid mesh-probe settings" : message, cause);
  }

  /**
   * The property the library's message names first (its messages start with the key, e.g. {@code meshprobe.istio.admin-url
   * must be a loopback URL...}), or {@code null}. Only used to add the property's origin to the report.
   */
  @Nullable String property() {
    Matcher m = PROPERTY.matcher(String.valueOf(getMessage()));
    return m.find() ? m.group() : null;
  }
}
