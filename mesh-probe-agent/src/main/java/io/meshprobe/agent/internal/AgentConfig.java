package io.meshprobe.agent.internal;

import io.meshprobe.QuitRule;
import io.meshprobe.internal.MeshProbeKey;
import io.meshprobe.internal.Settings;
import java.time.Duration;
import java.util.Locale;

/**
 * The agent's own keys (the library's {@code meshprobe.*} keys apply as well), all in the library's key list
 * ({@code MeshProbeKey}) and read through its one settings reader: agent argument (already a system property by now),
 * system property, environment variable {@code MESHPROBE_*}, default; an invalid value is one WARN line and its
 * default.
 *
 * <table>
 *   <caption>Agent keys</caption>
 *   <tr><td>{@code meshprobe.wait.mode}</td><td>{@code block}</td><td>{@code block}: premain returns when the
 *       proxy is ready, there is none, or the wait times out. {@code gate}: premain returns at once; outbound
 *       non-loopback connects wait for the proxy. {@code off}: no start-up wait.</td></tr>
 *   <tr><td>{@code meshprobe.quit}</td><td>{@code auto}</td><td>{@code auto}: quit the proxy when the JVM ends on
 *       its own (main returned, {@code System.exit}), not on SIGTERM/SIGINT/SIGHUP, only in the JVM that owns the
 *       pod's quit and never in a long-running service: the rule is the library's {@code io.meshprobe.QuitRule}.
 *       {@code always}, {@code never}.</td></tr>
 *   <tr><td>{@code meshprobe.quit.owner}, {@code meshprobe.workload}</td><td>{@code auto}</td><td>Facts for that
 *       rule; see the README.</td></tr>
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

  final WaitMode waitMode;
  final QuitRule.Policy quit;
  final boolean quitOnFailure;
  final Duration hooksTimeout;
  final boolean metrics;
  final boolean jmx;
  /** {@code meshprobe.mesh=none}: nothing to wait for or quit, known without looking. */
  final boolean meshNone;
  final boolean enabled;

  /**
   * Read through the library's one settings reader: a value that does not parse is one WARN line naming the key, the
   * value and the default, and only that key falls back to its default.
   */
  private AgentConfig(Settings s) {
    waitMode = WaitMode.valueOf(s.choice(MeshProbeKey.WAIT_MODE, "block", "gate", "off").toUpperCase(Locale.ROOT));
    quit = QuitRule.Policy.valueOf(s.choice(MeshProbeKey.QUIT, "auto", "always", "never").toUpperCase(Locale.ROOT));
    quitOnFailure = s.bool(MeshProbeKey.QUIT_ON_FAILURE);
    hooksTimeout = s.duration(MeshProbeKey.QUIT_HOOKS_TIMEOUT);
    metrics = s.bool(MeshProbeKey.AGENT_METRICS);
    jmx = s.bool(MeshProbeKey.AGENT_JMX);
    meshNone = s.string(MeshProbeKey.MESH).equalsIgnoreCase("none");
    enabled = s.bool(MeshProbeKey.ENABLED);
  }

  static AgentConfig read() {
    return read(Settings.Source.SYSTEM);
  }

  static AgentConfig read(Settings.Source source) {
    return new AgentConfig(new Settings(source));
  }

  /** The raw value of {@code key} (system property, then {@code MESHPROBE_*}), or {@code def}; same lookup as the library. */
  static String get(String key, String def) {
    String v = new Settings(Settings.Source.SYSTEM).raw(key);
    return v == null ? def : v;
  }
}
