package io.meshprobe.agent.it;

import static io.meshprobe.agent.it.AgentIT.awaitMorePolls;
import static io.meshprobe.agent.it.AgentIT.istio;
import static io.meshprobe.agent.it.AgentIT.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.meshprobe.testkit.FakeSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Block mode's path from the proxy turning ready to {@code main}: what the agent needs after the verdict is prepared
 * while it waits, so that the verdict loads no class of the agent's and starts no thread. Seen from outside, in a forked
 * JVM: its thread dump while premain still waits, and its class-load log up to the launcher's loading {@code main}.
 */
class ReadyPathIT {
  private static final Duration T = Duration.ofSeconds(30);

  static Stream<String> javas() {
    return Forked.javas();
  }

  @ParameterizedTest
  @MethodSource("javas")
  void theVerdictOnlyHandsOverToAThreadStartedDuringTheWait(String java) throws Exception {
    Path jcmd = Paths.get(java).getParent().resolve("jcmd");
    assumeTrue(Files.isExecutable(jcmd), "no jcmd beside " + java + " (a jlinked runtime)");
    Path log = Paths.get("target", "ready-path-" + Forked.feature(java) + ".log").toAbsolutePath();
    Files.deleteIfExists(log);
    try (FakeSidecar sidecar = istio().readyManually().start()) {
      List<String> jvm = new ArrayList<>(props(sidecar));
      jvm.add("-Xlog:class+load:file=" + log);
      try (Forked app = Forked.app(java, jvm, "quit=never;agent.jmx=false", "exit=0")) {
        awaitMorePolls(sidecar, 5); // premain is waiting
        String threads = threadDump(jcmd, app.pid());
        assertThat(threads).as("the agent's init thread exists while premain waits").contains("\"mesh-probe-init\"");
        List<String> waiting = agentClasses(Files.readAllLines(log, StandardCharsets.UTF_8), false);
        assertThat(app.line("main-start")).isNull();
        sidecar.becomeReady();
        assertThat(app.awaitLine("main-start", T)).isNotNull();
        assertThat(app.awaitExit(T)).isZero();
        List<String> toMain = agentClasses(Files.readAllLines(log, StandardCharsets.UTF_8), true);
        assertThat(toMain)
            .as("no class of the agent's own is loaded between the wait and the launcher's loading main")
            .containsExactlyElementsOf(waiting);
      }
    }
  }

  /** The agent's own classes ({@code io.meshprobe.agent.internal}, not the shaded library) in load order, up to main. */
  private static List<String> agentClasses(List<String> log, boolean toMain) {
    List<String> names = new ArrayList<>();
    for (String line : log) {
      if (toMain && line.contains(" sun.launcher.LauncherHelper ")) {
        break;
      }
      int at = line.indexOf(" io.meshprobe.agent.internal.");
      if (at >= 0) {
        String name = line.substring(at + 1, line.indexOf(' ', at + 1));
        // The patch and hook-map threads may still load theirs, independently of the wait; the verdict's path is what
        // counts.
        if (!name.startsWith("io.meshprobe.agent.internal.PatchWriter") && !name.startsWith("io.meshprobe.agent.internal.ShutdownHooks")
            && !name.equals("io.meshprobe.agent.internal.HookMapReader")) {
          names.add(name);
        }
      }
    }
    return names;
  }

  private static String threadDump(Path jcmd, long pid) throws Exception {
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("jcmd ended").isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }
}
