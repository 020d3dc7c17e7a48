package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The shaded agent in forked JVMs (JDK 17 and Temurin 25), against a fake Istio sidecar. */
class AgentIT {
  private static final Duration T = Duration.ofSeconds(30);

  static java.util.stream.Stream<String> javas() {
    return Forked.javas();
  }

  @ParameterizedTest
  @MethodSource("javas")
  void blockModeHoldsMainUntilTheProxyIsReady(String java) throws Exception {
    try (MiniSidecar sidecar = new MiniSidecar(false);
        Forked app = Forked.app(java, sidecar.agentArgs(), "exit=0")) {
      // The agent is polling from premain ...
      assertThat(sidecar.await("/healthz/ready", 5, T)).isTrue();
      // ... and main has not started.
      assertThat(app.line("main-start")).isNull();
      sidecar.becomeReady();
      String start = app.awaitLine("main-start", T);
      assertThat(start).isNotNull();
      assertThat(Forked.millis(start)).isGreaterThanOrEqualTo(sidecar.readyAt());
      assertThat(app.awaitExit(T)).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void gateModeRunsMainAtOnceAndHoldsTheFirstOutboundConnect(String java) throws Exception {
    InetAddress outbound = nonLoopbackAddress();
    try (MiniSidecar sidecar = new MiniSidecar(false);
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
      try (Forked app = Forked.app(java, sidecar.agentArgs() + ";wait.mode=gate", "socket=" + target)) {
        assertThat(app.awaitLine("main-start", T)).as("main runs while the proxy is not ready").isNotNull();
        long polls = sidecar.count("/healthz/ready");
        assertThat(sidecar.await("/healthz/ready", (int) polls + 5, T)).isTrue();
        assertThat(accepted).as("the outbound connect waits for the proxy").isNotDone();
        assertThat(app.line("connected")).isNull();
        sidecar.becomeReady();
        assertThat(accepted.get(30, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(sidecar.readyAt());
        assertThat(app.awaitLine("connected", T)).isNotNull();
        assertThat(app.awaitExit(T)).isZero();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void gateModeAlsoHoldsSocketChannels(String java) throws Exception {
    InetAddress outbound = nonLoopbackAddress();
    try (MiniSidecar sidecar = new MiniSidecar(false);
        ServerSocket server = new ServerSocket(0, 50, null);
        Forked app = Forked.app(java, sidecar.agentArgs() + ";wait.mode=gate", "channel=" + outbound.getHostAddress() + ":" + server.getLocalPort())) {
      assertThat(app.awaitLine("main-start", T)).isNotNull();
      long polls = sidecar.count("/healthz/ready");
      assertThat(sidecar.await("/healthz/ready", (int) polls + 5, T)).isTrue();
      assertThat(app.line("channel-connected")).isNull();
      sidecar.becomeReady();
      String connected = app.awaitLine("channel-connected", T);
      assertThat(connected).isNotNull();
      assertThat(Forked.millis(connected)).isGreaterThanOrEqualTo(sidecar.readyAt());
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
  void quitComesAfterTheAppsOwnShutdownHook(String java) throws Exception {
    try (MiniSidecar sidecar = new MiniSidecar(true);
        Forked app = Forked.app(java, sidecar.agentArgs(), "hook=" + sidecar.url() + "/app-hook")) {
      assertThat(app.awaitExit(T)).isZero();
      MiniSidecar.Request hook = sidecar.first("/app-hook");
      MiniSidecar.Request quit = sidecar.first("/quitquitquit");
      assertThat(hook).as("the app's hook reached the proxy; stderr %s", app.stderr()).isNotNull();
      assertThat(quit).as("quit sent; stderr %s", app.stderr()).isNotNull();
      assertThat(sidecar.requests().indexOf(quit)).isGreaterThan(sidecar.requests().indexOf(hook));
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void sigtermDoesNotQuitInAuto(String java) throws Exception {
    try (MiniSidecar sidecar = new MiniSidecar(true);
        Forked app = Forked.app(java, sidecar.agentArgs(), "hook=" + sidecar.url() + "/app-hook", "wait")) {
      assertThat(app.awaitLine("waiting", T)).isNotNull();
      app.process.destroy(); // SIGTERM
      assertThat(app.awaitExit(T)).isEqualTo(143);
      assertThat(sidecar.count("/app-hook")).as("the app's own hooks ran").isEqualTo(1);
      assertThat(sidecar.count("/quitquitquit")).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void systemExitQuitsAndKeepsTheExitCode(String java) throws Exception {
    try (MiniSidecar sidecar = new MiniSidecar(true);
        Forked app = Forked.app(java, sidecar.agentArgs(), "exit=3")) {
      assertThat(app.awaitExit(T)).isEqualTo(3);
      assertThat(sidecar.count("/quitquitquit")).as("stderr %s", app.stderr()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void noQuitOnFailureWhenToldSo(String java) throws Exception {
    try (MiniSidecar sidecar = new MiniSidecar(true);
        Forked app = Forked.app(java, sidecar.agentArgs() + ";quit.on-failure=false", "hook=" + sidecar.url() + "/app-hook", "exit=3")) {
      assertThat(app.awaitExit(T)).isEqualTo(3);
      assertThat(sidecar.count("/app-hook")).isEqualTo(1);
      assertThat(sidecar.count("/quitquitquit")).as("stderr %s", app.stderr()).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void metersAppearInAnAppBuiltRegistryAndTheGlobalOne(String java) throws Exception {
    try (MiniSidecar sidecar = new MiniSidecar(true);
        Forked app = Forked.app(java, sidecar.agentArgs(), "meters")) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.line("meters")).as("stdout %s stderr %s", app.stdout(), app.stderr()).startsWith("meters ready=1.0");
      assertThat(app.line("meters")).contains("mesh=istio");
    }
  }

  static InetAddress nonLoopbackAddress() throws Exception {
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp() || ni.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return a;
        }
      }
    }
    Assumptions.abort("no non-loopback IPv4 address on this machine");
    return null;
  }

  static List<String> withoutPickedUp(List<String> lines) {
    return lines.stream().filter(l -> !l.startsWith("Picked up JAVA_TOOL_OPTIONS") && !l.startsWith("NOTE: Picked up")).toList();
  }
}
