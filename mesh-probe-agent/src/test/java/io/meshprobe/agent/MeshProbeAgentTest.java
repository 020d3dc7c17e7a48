package io.meshprobe.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Settings;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MeshProbeAgentTest {
  private final String command = System.getProperty("sun.java.command");
  private final String module = System.getProperty("jdk.module.main");

  @AfterEach
  void restore() {
    set("sun.java.command", command);
    set("jdk.module.main", module);
  }

  private static void set(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  @Test
  void argumentsBecomeMeshprobeKeys() {
    assertThat(MeshProbeAgent.parseArgs("wait.mode=gate; meshprobe.quit=never ;;log.level = debug"))
        .containsExactly(Map.entry("meshprobe.wait.mode", "gate"), Map.entry("meshprobe.quit", "never"), Map.entry("meshprobe.log.level", "debug"));
    assertThat(MeshProbeAgent.parseArgs(null)).isEmpty();
    // A part that is not key=value is one line on stderr and is skipped: the other settings still count.
    assertThat(MeshProbeAgent.parseArgs("gate;quit=never")).containsExactly(Map.entry("meshprobe.quit", "never"));
  }

  @Test
  void premainsBooleanRuleIsTheLibrarysRule() {
    for (String v : new String[] {"true", "TRUE", " yes ", "On", "1", "false", "No", "OFF", "0", "", "maybe", "2", "enabled", "tru"}) {
      assertThat(MeshProbeAgent.bool(v)).as("'%s'", v).isEqualTo(Settings.parseBool(v));
    }
  }

  @Test
  void theAgentsOwnCliIsSkipped() {
    System.clearProperty("jdk.module.main");
    System.setProperty("sun.java.command", "io.meshprobe.agent.cli.MeshProbeCli doctor");
    assertThat(MeshProbeAgent.skipReason(Map.of())).isEqualTo("the mesh-probe agent's own CLI");
    // include-main cannot bring it back: a diagnosis must neither wait for nor quit the proxy
    assertThat(MeshProbeAgent.skipReason(Map.of("meshprobe.agent.include-main", "*"))).isNotNull();
    assertThat(MeshProbeAgent.isOwnCli("/app/orders.jar")).isFalse();
  }

  @Test
  void skipsJdkAndBuildTools() {
    System.clearProperty("jdk.module.main");
    for (String tool :
        new String[] {
          "sun.tools.jcmd.JCmd -l", "jdk.jshell/jdk.internal.jshell.tool.JShellToolProvider", "com.sun.tools.javac.Main -version",
          "org.codehaus.plexus.classworlds.launcher.Launcher verify", "org.gradle.wrapper.GradleWrapperMain build",
          "sun.security.tools.keytool.Main -list", ""
        }) {
      System.setProperty("sun.java.command", tool);
      assertThat(MeshProbeAgent.skipReason(Map.of())).as(tool).isNotNull();
    }
    System.setProperty("jdk.module.main", "jdk.compiler");
    System.setProperty("sun.java.command", "jdk.compiler/com.sun.tools.javac.Main");
    assertThat(MeshProbeAgent.skipReason(Map.of())).isNotNull();
  }

  @Test
  void runsForApps() {
    System.clearProperty("jdk.module.main");
    System.setProperty("sun.java.command", "/app/sun-service.jar --port 8080");
    assertThat(MeshProbeAgent.skipReason(Map.of())).isNull();
    System.setProperty("sun.java.command", "com.acme.Job arg");
    assertThat(MeshProbeAgent.skipReason(Map.of())).isNull();
  }

  @Test
  void includeAndExcludePatterns() {
    System.clearProperty("jdk.module.main");
    System.setProperty("sun.java.command", "/app/batch-job.jar");
    assertThat(MeshProbeAgent.skipReason(Map.of("meshprobe.agent.exclude-main", "batch-*.jar"))).isNotNull();
    assertThat(MeshProbeAgent.skipReason(Map.of("meshprobe.agent.include-main", "com.acme.*, other.jar"))).isNotNull();
    assertThat(MeshProbeAgent.skipReason(Map.of("meshprobe.agent.include-main", "/app/*.jar"))).isNull();
    System.setProperty("sun.java.command", "sun.tools.Whatever");
    assertThat(MeshProbeAgent.skipReason(Map.of("meshprobe.agent.include-main", "sun.tools.*"))).as("include wins").isNull();
  }

  @Test
  void wildcards() {
    assertThat(MeshProbeAgent.wildcard("com.acme.*", "com.acme.Job")).isTrue();
    assertThat(MeshProbeAgent.wildcard("*Job", "com.acme.Job")).isTrue();
    assertThat(MeshProbeAgent.wildcard("com.?cme.Job", "com.acme.Job")).isTrue();
    assertThat(MeshProbeAgent.wildcard("com.acme", "com.acme.Job")).isFalse();
    assertThat(MeshProbeAgent.wildcard("*.jar", "/app/x.jar")).isTrue();
  }
}
