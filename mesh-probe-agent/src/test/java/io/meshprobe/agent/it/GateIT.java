package io.meshprobe.agent.it;

import static io.meshprobe.agent.it.AgentIT.T;
import static io.meshprobe.agent.it.AgentIT.awaitMorePolls;
import static io.meshprobe.agent.it.AgentIT.istio;
import static io.meshprobe.agent.it.TestNetwork.nonLoopbackAddress;
import static io.meshprobe.agent.it.AgentIT.props;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.testkit.FakeSidecar;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gate mode ({@code meshprobe.wait.mode=gate}) with every common client, in forked JVMs (JDK 17 and Temurin 25)
 * against the testkit's fake sidecar: the first outbound non-loopback connect leaves only once the proxy is ready,
 * and non-blocking or asynchronous connects never hold their caller (an event loop keeps serving while its outbound
 * connect waits). The outbound target is a server socket of this JVM reached through this machine's own
 * non-loopback address, so nothing leaves the machine; it records when each connection arrives.
 */
class GateIT {
  private static final String APP = "io.meshprobe.agent.it.apps.GateTestApp";

  private ServerSocket target;
  private final List<Long> accepted = new CopyOnWriteArrayList<>();
  private Thread acceptor;

  static Stream<String> javas() {
    return Forked.javas();
  }

  @BeforeEach
  void target() throws IOException {
    target = new ServerSocket(0, 50, null);
    acceptor =
        new Thread(
            () -> {
              List<Socket> open = new ArrayList<>();
              try {
                while (true) {
                  open.add(target.accept());
                  accepted.add(System.currentTimeMillis());
                }
              } catch (IOException closed) {
                open.forEach(GateIT::closeQuietly);
              }
            },
            "gate-it-target");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void close() throws Exception {
    target.close();
    acceptor.join(5000);
  }

  private String outbound() throws Exception {
    return nonLoopbackAddress().getHostAddress() + ":" + target.getLocalPort();
  }

  private static Forked gateApp(String java, FakeSidecar sidecar, String... appArgs) throws IOException {
    return Forked.main(java, props(sidecar), Map.of(), "wait.mode=gate;log.level=debug", APP, appArgs);
  }

  @ParameterizedTest
  @MethodSource("javas")
  void nettyEpollHoldsTheConnectNotTheEventLoop(String java) throws Exception {
    heldConnectLeavesTheLoopFree(java, "netty-epoll", "EpollSocketChannel");
  }

  @ParameterizedTest
  @MethodSource("javas")
  void nettyNioHoldsTheConnectNotTheEventLoop(String java) throws Exception {
    heldConnectLeavesTheLoopFree(java, "netty-nio", "NioSocketChannel");
  }

  /**
   * One Netty event loop serves an inbound server on loopback and starts an outbound connect: while the gate holds
   * the connect, inbound requests on the same loop are answered; the connect completes once the proxy is ready.
   */
  private void heldConnectLeavesTheLoopFree(String java, String mode, String channelClass) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start();
        Forked app = gateApp(java, sidecar, mode + "=" + outbound())) {
      String server = app.awaitLine("server ", T);
      assertThat(server).as("stderr %s", app.stderr()).isNotNull();
      assertThat(app.awaitLine("connect-started", T)).contains(channelClass);
      awaitMorePolls(sidecar, 3);

      int port = Integer.parseInt(server.substring("server ".length()));
      List<Long> micros = pings(port, 5);
      // Answered on the loop that owns the outbound connect, which is still held: the proxy is not ready yet.
      assertThat(sidecar.readyAtEpochMillis()).isNull();
      assertThat(app.line("connected")).isNull();
      assertThat(accepted).as("nothing reached the target before the proxy was ready").isEmpty();

      sidecar.becomeReady();
      String connected = app.awaitLine("connected", T);
      assertThat(connected).as("stdout %s stderr %s", app.stdout(), app.stderr()).isNotNull();
      awaitAccepted(1);
      assertThat(accepted.get(0)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());
      assertThat(connected).doesNotContain("local null");
      // For the README: the same requests with nothing held, in the same (now warmer) JVM.
      List<Long> after = pings(port, 5);
      System.out.printf(
          "%s on %s: inbound round trip (us) while the outbound connect is held %s, after it completed %s%n", mode, java, micros, after);
      pingPong(port, "bye");
      assertThat(app.awaitExit(T)).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void grpcShadedNettyEpollConnectIsHeldUntilReady(String java) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start();
        Forked app = gateApp(java, sidecar, "grpc-epoll=" + outbound())) {
      assertThat(app.awaitLine("connect-started", T)).as("stderr %s", app.stderr()).contains("io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel");
      awaitMorePolls(sidecar, 5);
      assertThat(app.line("connected")).isNull();
      assertThat(accepted).isEmpty();
      sidecar.becomeReady();
      assertThat(app.awaitLine("connected", T)).as("stdout %s stderr %s", app.stdout(), app.stderr()).isNotNull();
      awaitAccepted(1);
      assertThat(accepted.get(0)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());
      assertThat(app.awaitExit(T)).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void nonBlockingSocketChannelConnectReturnsAtOnceAndFinishesAfterReady(String java) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start();
        Forked app = gateApp(java, sidecar, "nio=" + outbound())) {
      assertThat(app.awaitLine("nio-connect-returned", T)).as("stderr %s", app.stderr()).startsWith("nio-connect-returned false");
      assertThat(app.awaitLine("nio-pending", T)).isEqualTo("nio-pending true finish false");
      awaitMorePolls(sidecar, 5);
      assertThat(app.line("nio-connected")).isNull();
      assertThat(accepted).isEmpty();
      sidecar.becomeReady();
      String connected = app.awaitLine("nio-connected", T);
      assertThat(connected).as("stdout %s stderr %s", app.stdout(), app.stderr()).isNotNull();
      awaitAccepted(1);
      assertThat(accepted.get(0)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());
      // The unconnected socket was kept out of the selector: it did not wake the loop while the connect waited.
      int wakeups = Integer.parseInt(connected.substring(connected.lastIndexOf(' ') + 1));
      assertThat(wakeups).as(connected).isLessThanOrEqualTo(3);
      assertThat(app.awaitExit(T)).isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void asynchronousSocketChannelConnectReturnsAtOnce(String java) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start();
        Forked app = gateApp(java, sidecar, "async=" + outbound())) {
      assertThat(app.awaitLine("async-future-returned", T)).as("stderr %s", app.stderr()).endsWith("done false");
      assertThat(app.awaitLine("async-handler-returned", T)).isNotNull();
      awaitMorePolls(sidecar, 5);
      assertThat(app.line("async-future-connected")).isNull();
      assertThat(app.line("async-handler-connected")).isNull();
      assertThat(accepted).isEmpty();
      sidecar.becomeReady();
      assertThat(app.awaitLine("async-future-connected", T)).as("stdout %s stderr %s", app.stdout(), app.stderr()).isNotNull();
      assertThat(app.awaitLine("async-handler-connected", T)).endsWith(" attachment");
      assertThat(app.awaitExit(T)).isZero();
      awaitAccepted(2);
      assertThat(accepted).allMatch(t -> t >= sidecar.readyAtEpochMillis());
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void loopbackIsNeverGated(String java) throws Exception {
    try (FakeSidecar sidecar = istio().readyManually().start();
        ServerSocket local = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Forked app = gateApp(java, sidecar, "loopback=" + local.getLocalPort())) {
      // The proxy never turns ready, and the wait's timeout (60 s) is far away: the gate is shut throughout.
      assertThat(app.awaitExit(T)).as("stderr %s", app.stderr()).isZero();
      assertThat(app.line("loopback-socket-connected")).isNotNull();
      assertThat(app.line("loopback-channel-connected")).startsWith("loopback-channel-connected true");
      assertThat(sidecar.readyAtEpochMillis()).isNull();
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void theGateOpensOnANoMeshVerdictAndLeavesNoHookBehind(String java) throws Exception {
    // No proxy URL, but a detection window (as in Kubernetes): the library gives "no mesh" after it. The wait's
    // timeout is 120 s, so only that verdict can open the gate within this test's 30 s.
    Path podinfo = Files.createDirectories(Path.of("target", "gate-it-empty-podinfo"));
    try (Forked app =
        Forked.main(
            java,
            List.of("-Dmeshprobe.detect.window=1s", "-Dmeshprobe.podinfo.dir=" + podinfo.toAbsolutePath()),
            Map.of(),
            "wait.mode=gate;wait.timeout=120s;log.level=debug",
            APP,
            "nio=" + outbound(),
            "props")) {
      assertThat(app.awaitLine("nio-connect-returned false", T)).as("stderr %s", app.stderr()).isNotNull();
      assertThat(app.awaitLine("nio-connected", T)).as("stdout %s stderr %s", app.stdout(), app.stderr()).isNotNull();
      assertThat(app.awaitExit(T)).isZero();
      awaitAccepted(1);
      assertThat(app.stderr()).noneMatch(l -> l.contains("went ahead without the proxy"));
      assertThat(app.stderr()).anyMatch(l -> l.contains("original bytes restored"));
      // The hook is gone, and no hook object ever sat in the meshprobe.* namespace the Spring starter binds.
      assertThat(app.stdout()).contains("props-end");
      assertThat(app.stdout()).noneMatch(l -> l.startsWith("prop ") && !l.endsWith(" string"));
      assertThat(app.stdout()).noneMatch(l -> l.startsWith("prop meshprobe.agent.hook"));
    }
  }

  private void awaitAccepted(int n) {
    await().atMost(T).until(() -> accepted.size() >= n);
    assertThat(accepted).hasSize(n);
  }

  private static List<Long> pings(int port, int n) throws IOException {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      micros.add(pingPong(port, "ping"));
    }
    return micros;
  }

  /**
   * One request to the app's inbound server on loopback, answered within 10 s or failed; returns the round trip in
   * microseconds.
   */
  private static long pingPong(int port, String request) throws IOException {
    long t0 = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write((request + "\n").getBytes(StandardCharsets.US_ASCII));
      String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      assertThat(line).isEqualTo("pong");
    }
    return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
