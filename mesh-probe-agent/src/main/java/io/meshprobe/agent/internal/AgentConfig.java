package io.meshprobe.agent.internal;

import io.meshprobe.internal.Durations;
import java.time.Duration;
import java.util.Locale;

/**
 * The agent's own keys (the library's {@code meshprobe.*} keys apply as well). Same resolution as the library:
 * agent argument (already a system property by now), system property, environment variable {@code MESHPROBE_*},
 * default.
 *
 * <table>
 *   <caption>Agent keys</caption>
 *   <tr><td>{@code meshprobe.wait.mode}</td><td>{@code block}</td><td>{@code block}: premain returns when the
 *       proxy is ready, there is none, or the wait times out. {@code gate}: premain returns at once; outbound
 *       non-loopback connects wait for the proxy. {@code off}: no start-up wait.</td></tr>
 *   <tr><td>{@code meshprobe.quit}</td><td>{@code auto}</td><td>{@code auto}: quit the proxy when the JVM ends on
 *       its own (main returned, {@code System.exit}), not on SIGTERM/SIGINT/SIGHUP. {@code always},
 *       {@code never}.</td></tr>
 *   <tr><td>{@code meshprobe.quit.on-failure}</td><td>{@code true}</td><td>{@code false}: no quit when the exit
 *       code is not 0 (Jobs with {@code restartPolicy: OnFailure}).</td></tr>
 *   <tr><td>{@code meshprobe.quit.hooks-timeout}</td><td>{@code 10s}</td><td>How long the quit waits for the
 *       app's other shutdown hooks.</td></tr>
 *   <tr><td>{@code meshprobe.agent.metrics}</td><td>{@code true}</td><td>Meters in every Micrometer registry the
 *       app creates.</td></tr>
 *   <tr><td>{@code meshprobe.agent.jmx}</td><td>{@code true}</td><td>The MXBean
 *       {@code io.meshprobe:type=MeshProbe}.</td></tr>
 *   <tr><td>{@code meshprobe.agent.include-main}, {@code exclude-main}</td><td></td><td>See
 *       {@code MeshProbeAgent}.</td></tr>
 *   <tr><td>{@code meshprobe.log.level}</td><td>{@code info}</td><td>{@code off|error|warn|info|debug}, on
 *       stderr.</td></tr>
 * </table>
 */
final class AgentConfig {
  enum WaitMode {
    BLOCK,
    GATE,
    OFF
  }

  enum QuitPolicy {
    AUTO,
    ALWAYS,
    NEVER
  }

  final WaitMode waitMode;
  final QuitPolicy quit;
  final boolean quitOnFailure;
  final Duration hooksTimeout;
  final boolean metrics;
  final boolean jmx;
  /** {@code meshprobe.mesh=none}: nothing to wait for or quit, known without looking. */
  final boolean meshNone;
  final boolean enabled;

  private AgentConfig() {
    waitMode = WaitMode.valueOf(choice("meshprobe.wait.mode", "block", "block", "gate", "off"));
    quit = QuitPolicy.valueOf(choice("meshprobe.quit", "auto", "auto", "always", "never"));
    quitOnFailure = bool("meshprobe.quit.on-failure", true);
    hooksTimeout = Durations.parse("meshprobe.quit.hooks-timeout", get("meshprobe.quit.hooks-timeout", "10s"));
    metrics = bool("meshprobe.agent.metrics", true);
    jmx = bool("meshprobe.agent.jmx", true);
    meshNone = get("meshprobe.mesh", "auto").equalsIgnoreCase("none");
    enabled = bool("meshprobe.enabled", true);
  }

  static AgentConfig read() {
    return new AgentConfig();
  }

  static String get(String key, String def) {
    String v = System.getProperty(key);
    if (v == null || v.trim().isEmpty()) {
      v = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    return v == null || v.trim().isEmpty() ? def : v.trim();
  }

  private static boolean bool(String key, boolean def) {
    String v = get(key, Boolean.toString(def)).toLowerCase(Locale.ROOT);
    if (v.equals("true") || v.equals("yes") || v.equals("on") || v.equals("1")) {
      return true;
    }
    if (v.equals("false") || v.equals("no") || v.equals("off") || v.equals("0")) {
      return false;
    }
    throw new IllegalArgumentException(key + " must be true or false, but was '" + v + "'");
  }

  private static String choice(String key, String def, String... allowed) {
    String v = get(key, def).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v.toUpperCase(Locale.ROOT);
      }
    }
    throw new IllegalArgumentException(key + " must be one of " + String.join(", ", allowed) + ", but was '" + v + "'");
  }
}
