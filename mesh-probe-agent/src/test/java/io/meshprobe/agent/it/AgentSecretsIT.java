package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.agent.PlantedSecrets;
import io.meshprobe.agent.ReliabilityPage;
import io.meshprobe.testkit.FakeSidecar;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent's MXBean and meters expose no secrets: the fake Istio sidecar serves Istio's secrets dump with a
 * generated private key and a marker planted in it (as its config_dump), the app JVM runs with the agent and
 * prints every attribute of {@code io.meshprobe:type=MeshProbe} and every meter of {@code Metrics.globalRegistry}
 * and of a registry of its own; neither the key nor the marker may appear in its stdout or stderr.
 */
class AgentSecretsIT {
  private static final Duration T = Duration.ofSeconds(30);
  /** The build JDK's result: the page shows only what every machine can reproduce. */
  private static final AtomicReference<String> RESULT = new AtomicReference<>();

  @TempDir Path dir;

  static java.util.stream.Stream<String> javas() {
    return Forked.javas();
  }

  @ParameterizedTest
  @MethodSource("javas")
  void mxBeanAndMetersExposeNoSecrets(String java) throws Exception {
    PlantedSecrets secrets = PlantedSecrets.generate();
    Path dump = secrets.write(dir.resolve("planted.json"), secrets.dump());
    try (FakeSidecar sidecar = AgentIT.istio().configDump(dump.toString()).certs("other/appmesh-envoy-certs-empty.json").start();
        Forked app = Forked.app(java, AgentIT.props(sidecar), "", "expose")) {
      assertThat(app.awaitExit(T)).as("stdout %s stderr %s", app.stdout(), app.stderr()).isZero();
      List<String> out = app.stdout();
      assertThat(out).as("stderr %s", app.stderr()).contains("meters complete", "mxbean registered");
      List<String> attributes = out.stream().filter(l -> l.startsWith("mxbean ") && l.contains("=")).toList();
      List<String> meters = out.stream().filter(l -> l.startsWith("meter ")).toList();
      assertThat(attributes).contains("mxbean Mesh=istio", "mxbean WaitOutcome=READY").hasSizeGreaterThanOrEqualTo(11);
      assertThat(meters).anyMatch(l -> l.contains("meshprobe.proxy.info")).anyMatch(l -> l.contains("meshprobe.proxy.wait.time"));
      List<String> everything = new ArrayList<>(out);
      everything.addAll(app.stderr());
      String all = String.join("\n", everything);
      for (String needle : secrets.needles()) {
        assertThat(all).as("the app's stdout and stderr").doesNotContain(needle);
      }
      if (!isBuildJava(java)) {
        return; // asserted above on every JVM of it.javas; the page shows the build's JDK, the one every machine has
      }
      RESULT.set(
          "✅ "
              + attributes.size()
              + " MXBean attributes and "
              + meters.size()
              + " meters (global and app registry, ids, tags and measurements) printed: neither the key nor the marker. Attributes: "
              + attributes.stream().map(l -> l.substring("mxbean ".length(), l.indexOf('='))).sorted().collect(Collectors.joining(", "))
              + "; meters: "
              + meters.stream().map(l -> l.split(" ")[2]).distinct().sorted().collect(Collectors.joining(", ")));
    }
  }

  /** Whether {@code java} is this JVM's own binary (the build's JDK: Failsafe forks the JVM Maven runs on). */
  private static boolean isBuildJava(String java) throws java.io.IOException {
    return Paths.get(java).toRealPath().equals(Paths.get(System.getProperty("java.home"), "bin", "java").toRealPath());
  }

  @AfterAll
  static void render() {
    if (RESULT.get() == null) {
      return; // the build's JDK did not run (it.javas without it, or a failure above)
    }
    String md =
        "## Security: the agent's MXBean and meters\n\n"
            + "`AgentSecretsIT` (mesh-probe-agent, failsafe): an RSA private key (PEM, generated in the test) and a marker"
            + " planted in Istio's secrets dump, served by the fake sidecar as its config_dump; the app JVM runs with the"
            + " shaded agent (block mode, the proxy ready), waits until the status-backed meters are registered (the agent"
            + " adds them after its first status read) and prints every attribute of the MXBean"
            + " `io.meshprobe:type=MeshProbe` (platform MBean server) and every meter of `Metrics.globalRegistry` and"
            + " of a `SimpleMeterRegistry` of its own; its stdout and stderr are searched. The test runs on every JVM of"
            + " `it.javas` (the build's JDK and Temurin 25 by default); the row is the build's JDK.\n\n"
            + "| JVM | result |\n|---|---|\n"
            + "| the build's JDK | "
            + RESULT.get()
            + " |\n";
    ReliabilityPage.section("security-agent", md);
  }
}
