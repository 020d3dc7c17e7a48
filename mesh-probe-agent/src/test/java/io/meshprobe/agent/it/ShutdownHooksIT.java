package io.meshprobe.agent.it;

import static io.meshprobe.agent.it.AgentIT.istio;
import static io.meshprobe.agent.it.AgentIT.props;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.agent.it.apps.EarlyHookAgent;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The quit waits for the app's other shutdown hooks without opening {@code java.lang} to the app (only to the unnamed
 * module of the agent's own loader of {@code HookMapReader}): the shaded agent in
 * forked JVMs against the testkit's fake sidecar, with a second agent before it that registers a hook in its premain
 * (as the OpenTelemetry Java agent does).
 */
class ShutdownHooksIT {
  private static final Duration T = Duration.ofSeconds(30);
  private static Path earlyAgent;

  static Stream<String> javas() {
    return Forked.javas();
  }

  /** A manifest-only agent jar (the class itself is on the app's class path) under {@code target/}. */
  @BeforeAll
  static void earlyAgentJar() throws Exception {
    earlyAgent = Paths.get(Forked.JAR).toAbsolutePath().getParent().resolve("early-hook-agent.jar");
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(new Attributes.Name("Premain-Class"), EarlyHookAgent.class.getName());
    try (OutputStream out = Files.newOutputStream(earlyAgent);
        JarOutputStream jar = new JarOutputStream(out, m)) {
      jar.flush();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void javaLangStaysClosedToTheAppAndTheQuitStillWaitsForEveryOtherHook(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start()) {
      List<String> jvm = new ArrayList<>();
      jvm.add("-javaagent:" + earlyAgent + "=400"); // before mesh-probe's: its hook is registered before mesh-probe's premain
      jvm.addAll(props(sidecar));
      jvm.add("-Dmeshprobe.log.level=debug");
      if (Forked.feature(java) < 16) {
        // JDK 9-15 open every package of JDK 8 to all unnamed modules by default (--illegal-access=permit), the agent
        // or not: deny, so that what is asserted below is what the agent does.
        jvm.add("--illegal-access=deny");
      }
      try (Forked app = Forked.app(java, jvm, "", "java-lang-open", "slow-hook=300")) {
        assertThat(app.awaitExit(T)).as("stderr %s", app.stderr()).isZero();
        assertThat(app.stdout()).as("stderr %s", app.stderr()).contains("java-lang-open=false", "java-lang-open-at-exit=false");
        RecordedRequest quit = sidecar.awaitRequest("POST", "/quitquitquit", T);
        assertThat(quit).as("quit sent; stderr %s", app.stderr()).isNotNull();
        String appHookEnd = app.line("slow-hook-end ");
        String earlyHookEnd = app.line("early-hook-end ");
        assertThat(appHookEnd).as("stdout %s", app.stdout()).isNotNull();
        assertThat(earlyHookEnd).as("stdout %s", app.stdout()).isNotNull();
        assertThat(quit.epochMillis()).as("the quit after the app's hook").isGreaterThanOrEqualTo(Forked.millis(appHookEnd));
        assertThat(quit.epochMillis()).as("the quit after the other agent's hook").isGreaterThanOrEqualTo(Forked.millis(earlyHookEnd));
        assertThat(app.stdout())
            .as("the agent's threads (the quit hook at least) leave the app's class loader alone")
            .filteredOn(l -> l.startsWith("agent-thread "))
            .anyMatch(l -> l.startsWith("agent-thread mesh-probe-quit "))
            .allMatch(l -> l.endsWith(" context-loader=null"));
        assertThat(app.stderr())
            .as("the agent held the JDK's hook map (read in a class loader of its own, not the app's)")
            .anyMatch(l -> l.contains("holding java.lang.ApplicationShutdownHooks' hook map"))
            .noneMatch(l -> l.contains("will not wait") || l.contains("does not wait"));
      }
    }
  }
}
