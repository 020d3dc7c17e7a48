package io.meshprobe.samples.nocode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: {@link NightlyReport} (no mesh-probe code) in a forked JVM with the shaded agent in
 * {@code JAVA_TOOL_OPTIONS}, against the fake sidecar.
 */
class NightlyReportWithAgentTest {
  private static final Path AGENT_JAR = Paths.get(System.getProperty("agent.jar", "missing-agent.jar"));
  private static final Path APP_CLASSES = Paths.get(System.getProperty("app.classes", "target/classes"));

  @TempDir Path tmp;
  private HttpServer upstream;
  private final List<Long> upstreamCalls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startUpstream() throws IOException {
    assertThat(AGENT_JAR).as("the shaded agent jar (built by the reactor before this module)").isRegularFile();
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext("/records", exchange -> {
      upstreamCalls.add(System.currentTimeMillis());
      byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    upstream.start();
  }

  @AfterEach
  void stopUpstream() {
    upstream.stop(0);
  }

  @Test
  void istioTheAgentHoldsTheJobUntilTheProxyIsReadyAndQuitsItAfterMainReturns() throws Exception {
    try (FakeSidecar sidecar = quiet(FakeSidecar.istio()).readyManually().start()) {
      Process job = startJob(Map.of(
          "MESHPROBE_ISTIO_STATUS_URL", sidecar.url(SidecarPort.ISTIO_STATUS),
          "MESHPROBE_ISTIO_READINESS_URL", sidecar.url(SidecarPort.ISTIO_READINESS),
          "MESHPROBE_ISTIO_ADMIN_URL", sidecar.url(SidecarPort.ENVOY_ADMIN)));

      // The agent polls readiness (503) and the job makes no call meanwhile.
      await().atMost(Duration.ofSeconds(30)).until(() -> readinessPolls(sidecar) >= 20);
      assertThat(upstreamCalls).as("outbound calls before the proxy is ready").isEmpty();
      assertThat(job.isAlive()).isTrue();

      sidecar.becomeReady();
      assertThat(job.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = output();
      assertThat(job.exitValue()).as(output).isZero();
      assertThat(output).contains("mesh-probe: istio proxy ready after", "[job] exported record 3 of 3", "[job] done");
      assertThat(upstreamCalls).hasSize(3);
      assertThat(upstreamCalls.get(0)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());

      RecordedRequest quit = sidecar.awaitRequest("POST", "/quitquitquit", Duration.ofSeconds(10));
      assertThat(quit).as(output).isNotNull();
      assertThat(quit.port()).isEqualTo(sidecar.port(SidecarPort.ISTIO_STATUS));
      assertThat(quit.epochMillis()).isGreaterThanOrEqualTo(upstreamCalls.get(2));
      assertThat(sidecar.awaitStopped(Duration.ofSeconds(10))).isTrue();
      assertThat(output).contains("asked the istio proxy to quit");
    }
  }

  @Test
  void linkerdWithItsShutdownEndpointDisabledTheAgentNamesTheAnnotationThatFixesIt() throws Exception {
    try (FakeSidecar sidecar = quiet(FakeSidecar.linkerd()).start()) {
      Process job = startJob(Map.of("MESHPROBE_LINKERD_ADMIN_URL", sidecar.url(SidecarPort.LINKERD_ADMIN)));

      assertThat(job.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = output();
      assertThat(job.exitValue()).as(output).isZero();
      assertThat(upstreamCalls).hasSize(3);
      assertThat(sidecar.awaitRequest("POST", "/shutdown", Duration.ofSeconds(10))).as(output).isNotNull();
      assertThat(sidecar.isStopped()).isFalse();
      assertThat(output).contains("config.linkerd.io/proxy-admin-shutdown: enabled");
    }
  }

  @Test
  void withoutAMeshTheJobRunsAtOnceAndTheAgentStaysSilent() throws Exception {
    String nothing = "http://127.0.0.1:" + closedPort();
    Process job = startJob(Map.of(
        "MESHPROBE_ISTIO_STATUS_URL", nothing,
        "MESHPROBE_ISTIO_READINESS_URL", nothing,
        "MESHPROBE_ISTIO_ADMIN_URL", nothing,
        "MESHPROBE_ENVOY_ADMIN_URL", nothing,
        "MESHPROBE_LINKERD_ADMIN_URL", nothing));

    assertThat(job.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = output();
    assertThat(job.exitValue()).as(output).isZero();
    assertThat(upstreamCalls).hasSize(3);
    assertThat(output).contains("[job] done").doesNotContain("mesh-probe:");
  }

  private Process startJob(Map<String, String> meshEnv) throws IOException {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", APP_CLASSES.toString(), NightlyReport.class.getName());
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHPROBE_") || k.equals("KUBERNETES_SERVICE_HOST"));
    pb.environment().putAll(meshEnv);
    pb.environment().put("JAVA_TOOL_OPTIONS", "-javaagent:" + AGENT_JAR);
    pb.environment().put("REPORT_SOURCE_URL", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/records");
    pb.environment().put("REPORT_WORK_MILLIS", "0");
    pb.redirectErrorStream(true);
    pb.redirectOutput(tmp.resolve("out.txt").toFile());
    return pb.start();
  }

  private String output() throws IOException {
    return Files.readString(tmp.resolve("out.txt"));
  }

  private static long readinessPolls(FakeSidecar sidecar) {
    return sidecar.requests().stream().filter(r -> r.path().equals("/healthz/ready")).count();
  }

  private static FakeSidecar.Builder quiet(FakeSidecar.Builder b) {
    return b.freePorts().log(new PrintStream(OutputStream.nullOutputStream()));
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
