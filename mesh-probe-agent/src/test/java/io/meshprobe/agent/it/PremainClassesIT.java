package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the agent loads before the app's {@code main} when there is no mesh: the JVM's own class-load log
 * ({@code -Xlog:class+load}) of a forked app, read by class NAME between the premain class and the app's main class
 * (never by time). Every class on that path is inflated, parsed and verified in a cold, interpreted JVM, and a lambda,
 * a regex or {@code java.util.logging} there spins or loads dozens more; this holds the path to a small known set.
 */
class PremainClassesIT {
  static final Duration T = Duration.ofSeconds(30);
  private static final String AGENT = "io.meshprobe.agent.";

  /**
   * The agent's classes on the no-mesh path (decided in premain by NoMeshShortcut; the meters' transformer is
   * installed, nothing else). A class that joins this path must be worth its load in every JVM the agent rides in.
   */
  private static final Set<String> NO_MESH =
      Set.of(
          "io.meshprobe.agent.MeshProbeAgent",
          "io.meshprobe.agent.internal.AgentStarter$Entry",
          "io.meshprobe.agent.internal.NoMeshShortcut",
          // the meters' lazy state source and Micrometer hook (not AgentStarter, which is never loaded without a mesh)
          "io.meshprobe.agent.internal.NoMeshShortcut$1",
          "io.meshprobe.agent.internal.NoMeshShortcut$2",
          "io.meshprobe.agent.internal.MicrometerBridge$StateSource",
          "io.meshprobe.agent.internal.AgentConfig",
          "io.meshprobe.agent.internal.AgentLog",
          "io.meshprobe.agent.internal.AgentLog$1",
          "io.meshprobe.agent.internal.JdkPatcher",
          "io.meshprobe.agent.shaded.meshprobe.internal.Log",
          "io.meshprobe.agent.shaded.meshprobe.internal.Log$Sink",
          "io.meshprobe.agent.shaded.meshprobe.internal.Settings",
          "io.meshprobe.agent.shaded.meshprobe.internal.Settings$Source",
          "io.meshprobe.agent.shaded.meshprobe.internal.Settings$Source$1",
          "io.meshprobe.agent.shaded.meshprobe.internal.MeshProbeKey",
          "io.meshprobe.agent.shaded.meshprobe.internal.ProcNetTcp");

  static java.util.stream.Stream<String> javas() {
    return Forked.javas();
  }

  /** The ports NoMeshShortcut looks for: when one listens on this machine, the library decides, not premain. */
  private static final int[] PROXY_PORTS = {15000, 15020, 15021, 4191, 19000, 9901, 15001, 15006, 15008};

  @ParameterizedTest
  @MethodSource("javas")
  void withoutAMeshPremainLoadsOnlyItsSmallSetAndSpinsNothing(String java) throws Exception {
    Set<Integer> listening = new io.meshprobe.internal.ProcNetTcp(Paths.get("/proc/net")).listeningPorts();
    org.junit.jupiter.api.Assumptions.assumeTrue(listening != null, "/proc/net/tcp readable (Linux)");
    for (int port : PROXY_PORTS) {
      org.junit.jupiter.api.Assumptions.assumeFalse(listening.contains(port), "nothing listens on proxy port " + port + " here");
    }
    List<String> loaded = beforeMain(java, "", "no-mesh");
    assertThat(agentClasses(loaded)).as("the agent's classes loaded before main").isSubsetOf(NO_MESH);
    assertNothingSpun(loaded);
  }

  @ParameterizedTest
  @MethodSource("javas")
  void meshNoneLoadsThePremainClassAlone(String java) throws Exception {
    List<String> loaded = beforeMain(java, "mesh=none", "mesh-none");
    assertThat(agentClasses(loaded)).as("the agent's classes loaded before main").containsExactly("io.meshprobe.agent.MeshProbeAgent");
    assertNothingSpun(loaded);
  }

  /** No lambda or other class spun by the agent, no regex, no java.util.logging before main. */
  private static void assertNothingSpun(List<String> loaded) {
    assertThat(loaded)
        .as("classes loaded between premain and main")
        .noneMatch(c -> c.contains("$$Lambda"))
        .noneMatch(c -> c.startsWith("java.util.regex."))
        .noneMatch(c -> c.startsWith("java.util.logging."))
        .noneMatch(c -> c.startsWith("java.util.stream."));
  }

  private static Set<String> agentClasses(List<String> loaded) {
    Set<String> agent = new TreeSet<>();
    for (String c : loaded) {
      if (c.startsWith(AGENT)) {
        agent.add(c);
      }
    }
    return agent;
  }

  /** The names of the classes the JVM loaded from the premain class's load up to the app's main class (excluded). */
  private static List<String> beforeMain(String java, String agentArgs, String label) throws Exception {
    Path log = Paths.get("target", "premain-classes-" + label + "-" + Forked.feature(java) + ".log").toAbsolutePath();
    Files.deleteIfExists(log);
    try (Forked app = Forked.app(java, List.of("-Xlog:class+load:file=" + log), agentArgs)) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.stderr()).isEmpty();
    }
    List<String> names = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
      // [0.090s][info][class,load] io.meshprobe.agent.MeshProbeAgent source: file:/.../mesh-probe-agent.jar
      int end = line.indexOf(" source: ");
      int start = line.lastIndexOf("] ", end < 0 ? line.length() : end);
      if (end < 0 || start < 0) {
        continue;
      }
      String name = line.substring(start + 2, end);
      if (name.equals("io.meshprobe.agent.MeshProbeAgent")) {
        in = true;
      }
      if (name.equals(Forked.APP)) {
        return names;
      }
      if (in) {
        names.add(name);
      }
    }
    throw new AssertionError("no load of the premain class followed by " + Forked.APP + " in " + log);
  }
}
