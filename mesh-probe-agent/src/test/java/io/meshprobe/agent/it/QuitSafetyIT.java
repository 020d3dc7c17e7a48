package io.meshprobe.agent.it;

import static io.meshprobe.agent.it.AgentIT.count;
import static io.meshprobe.agent.it.AgentIT.istio;
import static io.meshprobe.agent.it.AgentIT.props;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.FakeSidecar;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who quits, when {@code auto} quits, the quit hook from premain on, and settings that degrade per key: the shaded
 * agent in forked JVMs (JDK 17 and Temurin 25) against the testkit's fake sidecar.
 *
 * <p>The ownership tests need a real PID namespace: the "container" is {@code unshare --pid --fork --mount-proc}, so its
 * main JVM is PID 1 there, and a JVM "exec'd into the container" is started with {@code nsenter --target <pid 1> --pid
 * --mount}, which joins the namespace from outside the way {@code runc exec} does (its parent PID reads 0 inside).
 */
class QuitSafetyIT {
  private static final Duration T = Duration.ofSeconds(30);

  static Stream<String> javas() {
    return Forked.javas();
  }

  private static Path target() {
    return Paths.get(Forked.JAR).toAbsolutePath().getParent();
  }

  /** {@code JAVA_TOOL_OPTIONS} as a platform team sets it for every process of the container, plus Kubernetes' variable. */
  private static Map<String, String> podEnv(FakeSidecar sidecar, String... more) {
    List<String> opts = new ArrayList<>();
    opts.add("-javaagent:" + Paths.get(Forked.JAR).toAbsolutePath());
    opts.addAll(props(sidecar));
    opts.addAll(List.of(more));
    Map<String, String> env = new HashMap<>();
    env.put("JAVA_TOOL_OPTIONS", String.join(" ", opts));
    env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
    return env;
  }

  private static void assumeNamespaces() {
    Assumptions.assumeTrue(new File("/proc/self/ns/pid").exists(), "Linux PID namespaces");
    Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "unshare --pid needs root");
    Assumptions.assumeTrue(new File("/usr/bin/unshare").canExecute() && new File("/usr/bin/nsenter").canExecute(), "util-linux");
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aJvmExecdIntoTheContainerLaterNeverQuitsAndTheMainAppStillDoes(String java) throws Exception {
    assumeNamespaces();
    Path done = Files.createTempFile(target(), "quit-safety-", ".done");
    Files.delete(done);
    try (FakeSidecar sidecar = istio().start()) {
      Map<String, String> env = podEnv(sidecar);
      String cp = Forked.appClassPath();
      try (Forked main =
          new Forked(List.of("unshare", "--pid", "--fork", "--mount-proc", java, "-cp", cp, Forked.APP, "await-file=" + done), env)) {
        assertThat(main.awaitLine("awaiting", T)).as("stderr %s", main.stderr()).isNotNull();
        long pid1 = ProcessHandle.of(main.process.pid()).orElseThrow().children().findFirst().orElseThrow().pid();
        List<String> enter = List.of("nsenter", "--target", Long.toString(pid1), "--pid", "--mount");

        // A plain short java -cp, as an exec probe or kubectl exec runs it.
        List<String> quick = new ArrayList<>(enter);
        quick.addAll(List.of(java, "-cp", cp, Forked.APP));
        try (Forked exec = new Forked(quick, env)) {
          assertThat(exec.awaitExit(T)).isZero();
          assertThat(exec.stderr())
              .as("one line says why it does not quit")
              .filteredOn(l -> l.contains("does not quit"))
              .singleElement()
              .satisfies(l -> assertThat(l).contains("parent PID 0").contains("meshprobe.quit.owner=true"));
        }
        // The project's own advice: java -jar mesh-probe-agent.jar doctor, through kubectl exec.
        List<String> doctor = new ArrayList<>(enter);
        doctor.addAll(List.of(java, "-jar", Paths.get(Forked.JAR).toAbsolutePath().toString(), "doctor"));
        try (Forked cli = new Forked(doctor, env)) {
          cli.awaitExit(T);
          assertThat(cli.stdout()).as("the doctor ran; stderr %s", cli.stderr()).isNotEmpty();
        }
        assertThat(count(sidecar, "/quitquitquit")).as("no quit from the exec'd JVMs").isZero();
        assertThat(sidecar.isStopped()).isFalse();

        // The main app (PID 1 of the container) ends its work: it quits.
        Files.createFile(done);
        assertThat(main.awaitExit(T)).isZero();
        assertThat(sidecar.awaitRequest("POST", "/quitquitquit", T)).as("main's stderr %s", main.stderr()).isNotNull();
      }
    } finally {
      Files.deleteIfExists(done);
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aJobThatEndsBeforeTheProxyIsReadyStillQuitsInGateMode(String java) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start();
        Forked app = Forked.app(java, props(sidecar), "wait.mode=gate")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(sidecar.isReady()).as("the proxy never got ready").isFalse();
      assertThat(sidecar.awaitRequest("POST", "/quitquitquit", T)).as("stderr %s", app.stderr()).isNotNull();
      assertThat(app.stderr()).filteredOn(l -> l.contains("to quit")).as("stderr %s", app.stderr()).hasSize(1);
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aWebAppFailingAtStartUpInADeploymentPodSendsNoQuitButAJobPodsAppDoes(String java) throws Exception {
    Path podinfo = Files.createTempDirectory(target(), "podinfo-");
    Path labels = podinfo.resolve("labels");
    try (FakeSidecar sidecar = istio().start()) {
      List<String> jvm = new ArrayList<>(props(sidecar));
      jvm.add("-Dmeshprobe.podinfo.dir=" + podinfo);

      Files.write(labels, "app=\"orders\"\npod-template-hash=\"7d9f8c\"\n".getBytes(StandardCharsets.UTF_8));
      try (Forked app = Forked.app(java, jvm, "", "throw")) {
        assertThat(app.awaitExit(T)).isEqualTo(1);
      }
      assertThat(count(sidecar, "/quitquitquit")).as("a Deployment's app is restarted and needs its proxy").isZero();

      Files.write(labels, "batch.kubernetes.io/job-name=\"report\"\njob-name=\"report\"\n".getBytes(StandardCharsets.UTF_8));
      List<String> noQuitOnFailure = new ArrayList<>(jvm);
      noQuitOnFailure.add("-Dmeshprobe.quit.on-failure=false");
      try (Forked app = Forked.app(java, noQuitOnFailure, "", "throw")) {
        assertThat(app.awaitExit(T)).isEqualTo(1);
      }
      assertThat(count(sidecar, "/quitquitquit")).as("quit.on-failure=false").isZero();

      try (Forked app = Forked.app(java, jvm, "", "throw")) {
        assertThat(app.awaitExit(T)).isEqualTo(1);
        assertThat(sidecar.awaitRequest("POST", "/quitquitquit", T)).as("a Job's pod must complete; stderr %s", app.stderr()).isNotNull();
      }
    } finally {
      Files.deleteIfExists(labels);
      Files.deleteIfExists(podinfo);
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aBadWaitTimeoutIsOneWarningAndTheDefaultWaitStillHappens(String java) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start()) {
      List<String> cmd = new ArrayList<>(List.of(java));
      cmd.addAll(props(sidecar));
      cmd.addAll(List.of("-javaagent:" + Forked.JAR, "-cp", Forked.appClassPath(), Forked.APP, "installed"));
      try (Forked app = new Forked(cmd, Map.of("MESHPROBE_WAIT_TIMEOUT", "banana"))) {
        AgentIT.awaitMorePolls(sidecar, 5);
        assertThat(app.line("main-start")).as("premain waits (stderr %s)", app.stderr()).isNull();
        sidecar.becomeReady();
        assertThat(app.awaitExit(T)).isZero();
        assertThat(app.stderr())
            .filteredOn(l -> l.contains("banana"))
            .containsExactly(
                "mesh-probe: MESHPROBE_WAIT_TIMEOUT (meshprobe.wait.timeout)='banana' is not a duration such as 500ms, 5s or 2m;"
                    + " using the default 60s");
        assertThat(app.stderr()).anyMatch(l -> l.contains("waiting for the istio proxy") || l.contains("proxy ready"));
        assertThat(app.line("installed=")).isNotEqualTo("installed=null");
        assertThat(sidecar.awaitRequest("POST", "/quitquitquit", T)).as("the quit still works").isNotNull();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void anAgentThatFailsToStartDoesNotClaimToBeInstalled(String java) throws Exception {
    // A non-loopback admin URL is refused, not replaced: the agent does not start, and says so in one line.
    try (Forked app = Forked.app(java, List.of("-Dmeshprobe.istio.admin-url=http://10.1.2.3:15000"), "", "installed")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.line("installed=")).isEqualTo("installed=null");
      assertThat(app.stderr()).filteredOn(l -> l.startsWith("mesh-probe: agent not started")).hasSize(1);
    }
  }

  /**
   * A start that fails after the quit hook is in takes the hook back: "the app runs without it" means no quit at exit
   * either. The failure: a class of the wait's result ({@code WaitResult}, first loaded when the wait ends, never by the
   * quit) shadowed on the boot class path by one without its members, so the wait ends in a {@code LinkageError} after
   * the proxy answered ready. (It used to be a runtime jlinked without {@code java.logging}; the agent no longer
   * needs that module before main.)
   */
  @org.junit.jupiter.api.Test
  void anAgentThatFailsAfterInstallingItsQuitHookSendsNoQuit() throws Exception {
    Path src = target().resolve("shadow-src/io/meshprobe/agent/shaded/meshprobe/WaitResult.java");
    Path classes = target().resolve("shadow-classes");
    Files.createDirectories(src.getParent());
    Files.write(
        src,
        "package io.meshprobe.agent.shaded.meshprobe; public final class WaitResult { private WaitResult() {} }".getBytes(StandardCharsets.UTF_8));
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    Assumptions.assumeTrue(javac != null, "a JDK with javac runs the build");
    assertThat(javac.run(null, null, null, "--release", "8", "-d", classes.toString(), src.toString())).as("javac").isZero();
    try (FakeSidecar sidecar = istio().start()) {
      List<String> options = new ArrayList<>(props(sidecar));
      options.add("-Xbootclasspath/a:" + classes);
      try (Forked app = Forked.app(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), options, "", "installed")) {
        assertThat(app.awaitExit(T)).isZero();
        assertThat(app.stderr()).filteredOn(l -> l.startsWith("mesh-probe: agent not started")).as("stderr %s", app.stderr()).hasSize(1);
        assertThat(app.line("installed=")).isEqualTo("installed=null");
        assertThat(count(sidecar, "/quitquitquit")).as("no quit from an agent that did not start").isZero();
      }
    }
  }

}
