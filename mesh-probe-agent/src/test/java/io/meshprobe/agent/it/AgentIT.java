package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static io.meshprobe.agent.it.TestNetwork.nonLoopbackAddress;
import static org.awaitility.Awaitility.await;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shaded agent in forked JVMs (JDK 17 and Temurin 25), against the testkit's {@link FakeSidecar} running in
 * this JVM on free ports; the app JVM gets its URLs as {@code -Dmeshprobe.*-url} system properties.
 */
class AgentIT {
  static final Duration T = Duration.ofSeconds(30);
  /** The fake sidecars' own log lines would go to this JVM's stderr. */
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  static java.util.stream.Stream<String> javas() {
    return Forked.javas();
  }

  /** A fake Istio sidecar on free ports, quiet. */
  static FakeSidecar.Builder istio() {
    return FakeSidecar.istio().freePorts().log(QUIET);
  }

  /** System properties that point the app JVM's agent at {@code sidecar}. */
  static List<String> props(FakeSidecar sidecar) {
    switch (sidecar.personality()) {
      case LINKERD:
        return List.of("-Dmeshprobe.mesh=linkerd", "-Dmeshprobe.linkerd.admin-url=" + sidecar.url(SidecarPort.LINKERD_ADMIN), "-Dmeshprobe.wait.interval=5ms");
      default:
        return List.of(
            "-Dmeshprobe.mesh=istio",
            "-Dmeshprobe.istio.status-url=" + sidecar.url(SidecarPort.ISTIO_STATUS),
            "-Dmeshprobe.istio.readiness-url=" + sidecar.url(SidecarPort.ISTIO_READINESS),
            "-Dmeshprobe.istio.admin-url=" + sidecar.url(SidecarPort.ENVOY_ADMIN),
            "-Dmeshprobe.wait.interval=5ms");
    }
  }

  static long count(FakeSidecar sidecar, String path) {
    return sidecar.requests().stream().filter(r -> r.path().equals(path)).count();
  }

  /** Waits until the agent has polled readiness {@code more} more times, i.e. it is certainly waiting. */
  static void awaitMorePolls(FakeSidecar sidecar, int more) {
    long now = count(sidecar, "/healthz/ready");
    await().atMost(T).pollInterval(Duration.ofMillis(5)).until(() -> count(sidecar, "/healthz/ready") >= now + more);
  }

  static String hookUrl(FakeSidecar sidecar) {
    return sidecar.url(SidecarPort.ISTIO_STATUS) + "/app-hook";
  }

  @ParameterizedTest
  @MethodSource("javas")
  void blockModeHoldsMainUntilTheProxyIsReady(String java) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start();
        Forked app = Forked.app(java, props(sidecar), "", "exit=0")) {
      // The agent is polling from premain ...
      assertThat(sidecar.awaitRequest("GET", "/healthz/ready", T)).isNotNull();
      awaitMorePolls(sidecar, 5);
      // ... and main has not started.
      assertThat(app.line("main-start")).isNull();
      sidecar.becomeReady();
      String start = app.awaitLine("main-start", T);
      assertThat(start).isNotNull();
      assertThat(Forked.millis(start)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());
      assertThat(app.awaitExit(T)).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void gateModeRunsMainAtOnceAndHoldsTheFirstOutboundConnect(String java) throws Exception {
    InetAddress outbound = nonLoopbackAddress();
    try (FakeSidecar sidecar = istio().readyManually().start();
        ServerSocket server = new ServerSocket(0, 50, null)) {
      String target = outbound.getHostAddress() + ":" + server.getLocalPort();
      CompletableFuture<Long> accepted =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = server.accept()) {
                  return System.currentTimeMillis();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try (Forked app = Forked.app(java, props(sidecar), "wait.mode=gate", "socket=" + target)) {
        assertThat(app.awaitLine("main-start", T)).as("main runs while the proxy is not ready").isNotNull();
        awaitMorePolls(sidecar, 5);
        assertThat(accepted).as("the outbound connect waits for the proxy").isNotDone();
        assertThat(app.line("connected")).isNull();
        sidecar.becomeReady();
        assertThat(accepted.get(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());
        assertThat(app.awaitLine("connected", T)).isNotNull();
        assertThat(app.awaitExit(T)).isZero();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void gateModeAlsoHoldsSocketChannels(String java) throws Exception {
    InetAddress outbound = nonLoopbackAddress();
    try (FakeSidecar sidecar = istio().readyManually().start();
        ServerSocket server = new ServerSocket(0, 50, null);
        Forked app =
            Forked.app(java, props(sidecar), "wait.mode=gate", "channel=" + outbound.getHostAddress() + ":" + server.getLocalPort())) {
      assertThat(app.awaitLine("main-start", T)).isNotNull();
      awaitMorePolls(sidecar, 5);
      assertThat(app.line("channel-connected")).isNull();
      sidecar.becomeReady();
      String connected = app.awaitLine("channel-connected", T);
      assertThat(connected).isNotNull();
      assertThat(Forked.millis(connected)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void withoutAProxyTheAppStartsNormallyAndTheAgentSaysNothing(String java) throws Exception {
    try (Forked app = Forked.app(java, "")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.stdout()).containsExactly(app.stdout().get(0), "main-end");
      assertThat(app.stderr()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void withoutAProxyTheMetersStillSayNoMesh(String java) throws Exception {
    try (Forked app = Forked.app(java, "", "meters")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.line("meters")).as("stdout %s stderr %s", app.stdout(), app.stderr()).startsWith("meters ready=0.0");
      assertThat(app.line("meters")).contains("mesh=none");
      assertThat(app.stderr()).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void quitComesAfterTheAppsOwnShutdownHook(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "", "hook=" + hookUrl(sidecar))) {
      assertThat(app.awaitExit(T)).isZero();
      RecordedRequest hook = sidecar.awaitRequest("GET", "/app-hook", T);
      RecordedRequest quit = sidecar.awaitRequest("POST", "/quitquitquit", T);
      assertThat(hook).as("the app's hook reached the proxy; stderr %s", app.stderr()).isNotNull();
      assertThat(quit).as("quit sent; stderr %s", app.stderr()).isNotNull();
      assertThat(sidecar.requests().indexOf(quit)).isGreaterThan(sidecar.requests().indexOf(hook));
      assertThat(sidecar.awaitStopped(T)).as("the fake pilot-agent stopped on the quit").isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aJobThatEndsAtOnceStillQuits(String java) throws Exception {
    // main returns immediately after premain: whatever the agent sets up in the background must not be needed.
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(sidecar.awaitRequest("POST", "/quitquitquit", T)).as("stderr %s", app.stderr()).isNotNull();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void sigtermDoesNotQuitInAuto(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "", "hook=" + hookUrl(sidecar), "wait")) {
      assertThat(app.awaitLine("waiting", T)).isNotNull();
      app.process.destroy(); // SIGTERM
      assertThat(app.awaitExit(T)).isEqualTo(143);
      assertThat(count(sidecar, "/app-hook")).as("the app's own hooks ran").isEqualTo(1);
      assertThat(count(sidecar, "/quitquitquit")).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void sigtermAtOnceDoesNotQuitEither(String java) throws Exception {
    // SIGTERM right when main starts, before any background set-up of the agent could have finished.
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "", "hook=" + hookUrl(sidecar), "wait")) {
      assertThat(app.awaitLine("main-start", T)).isNotNull();
      app.process.destroy();
      assertThat(app.awaitExit(T)).isEqualTo(143);
      assertThat(count(sidecar, "/quitquitquit")).as("stderr %s", app.stderr()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void systemExitQuitsAndKeepsTheExitCode(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "", "exit=3")) {
      assertThat(app.awaitExit(T)).isEqualTo(3);
      assertThat(sidecar.awaitRequest("POST", "/quitquitquit", T)).as("stderr %s", app.stderr()).isNotNull();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void noQuitOnFailureWhenToldSo(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "quit.on-failure=false", "hook=" + hookUrl(sidecar), "exit=3")) {
      assertThat(app.awaitExit(T)).isEqualTo(3);
      assertThat(count(sidecar, "/app-hook")).isEqualTo(1);
      assertThat(count(sidecar, "/quitquitquit")).as("stderr %s", app.stderr()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void noQuitOnFailureAlsoForAJobThatFailsAtOnce(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "quit.on-failure=false", "exit=3")) {
      assertThat(app.awaitExit(T)).isEqualTo(3);
      assertThat(count(sidecar, "/quitquitquit")).as("stderr %s", app.stderr()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void uncaughtExceptionInMainCountsAsAFailure(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "quit.on-failure=false", "throw")) {
      assertThat(app.awaitExit(T)).isEqualTo(1);
      assertThat(app.stderr()).anyMatch(l -> l.contains("IllegalStateException: app failed"));
      assertThat(count(sidecar, "/quitquitquit")).as("stderr %s", app.stderr()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void linkerdWithTheShutdownEndpointDisabledSaysWhichAnnotationToSet(String java) throws Exception {
    try (FakeSidecar sidecar = FakeSidecar.linkerd().freePorts().log(QUIET).start();
        Forked app = Forked.app(java, props(sidecar), "", "exit=4")) {
      assertThat(app.awaitExit(T)).isEqualTo(4);
      assertThat(sidecar.awaitRequest("POST", "/shutdown", T)).as("stderr %s", app.stderr()).isNotNull();
      // The quit failure is said once. The start-up check of the quit path may say it earlier too, when its
      // background read ends before the app does.
      assertThat(app.stderr().stream().filter(l -> l.contains("quit endpoint_disabled")))
          .as("stderr %s", app.stderr())
          .hasSize(1)
          .allMatch(l -> l.startsWith("mesh-probe: ") && l.contains("config.linkerd.io/proxy-admin-shutdown: enabled"));
      assertThat(app.stderr().stream().filter(l -> l.contains("config.linkerd.io/proxy-admin-shutdown")))
          .as("stderr %s", app.stderr())
          .allMatch(l -> l.startsWith("mesh-probe: quit endpoint_disabled") || l.startsWith("mesh-probe: quit preflight"));
      assertThat(sidecar.isStopped()).isFalse();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aNativeSidecarIsNeverAskedToQuit(String java) throws Exception {
    try (FakeSidecar sidecar = istio().nativeSidecar(true).start();
        Forked app = Forked.app(java, props(sidecar), "", "exit=0")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(sidecar.awaitRequest("GET", "/server_info", T)).as("it looked at the node; stderr %s", app.stderr()).isNotNull();
      assertThat(count(sidecar, "/quitquitquit")).as("stderr %s", app.stderr()).isZero();
      assertThat(sidecar.isStopped()).isFalse();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void metersAppearInAnAppBuiltRegistryAndTheGlobalOne(String java) throws Exception {
    try (FakeSidecar sidecar = istio().start();
        Forked app = Forked.app(java, props(sidecar), "", "meters")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.line("meters")).as("stdout %s stderr %s", app.stdout(), app.stderr()).startsWith("meters ready=1.0");
      assertThat(app.line("meters")).contains("mesh=istio");
    }
  }


  static List<String> withoutPickedUp(List<String> lines) {
    return lines.stream().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS") && !l.startsWith("NOTE: Picked up")).toList();
  }
}
