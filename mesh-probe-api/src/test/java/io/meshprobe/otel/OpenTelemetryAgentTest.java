package io.meshprobe.otel;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The probe's requests are invisible to the OpenTelemetry Java agent (issue 18): a JVM with the real agent and its
 * logging span exporter waits ~2 s for a fake Istio sidecar, reads the status and quits the proxy; the agent exports
 * a span for a control request made through {@code HttpURLConnection}, and none for any port of the sidecar.
 */
class OpenTelemetryAgentTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

  @Test
  void noSpanForTheProxysAdminPorts() throws Exception {
    Path agent = Paths.get(System.getProperty("otel.agent.jar", "target/otel/opentelemetry-javaagent.jar"));
    assertThat(agent).as("the OpenTelemetry Java agent, copied by the build (maven-dependency-plugin)").isRegularFile();
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyManually().log(QUIET).start();
        FakeSidecar control = FakeSidecar.envoy().freePorts().log(QUIET).start()) {
      List<String> cmd =
          new ArrayList<>(
              Arrays.asList(
                  ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"),
                  "-javaagent:" + agent.toAbsolutePath(),
                  "-Dotel.traces.exporter=logging",
                  "-Dotel.metrics.exporter=none",
                  "-Dotel.logs.exporter=none",
                  "-Dotel.bsp.schedule.delay=100",
                  "-Dotel.javaagent.logging=simple",
                  "-cp",
                  System.getProperty("java.class.path"),
                  OtelWaitMain.class.getName(),
                  sidecar.url(SidecarPort.ISTIO_STATUS),
                  sidecar.url(SidecarPort.ISTIO_READINESS),
                  sidecar.url(SidecarPort.ENVOY_ADMIN),
                  control.url(SidecarPort.ENVOY_ADMIN) + "/ready"));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().keySet().removeIf(k -> k.startsWith("MESHPROBE_") || k.startsWith("OTEL_") || k.equals("JAVA_TOOL_OPTIONS"));
      Process child = pb.start();
      try {
        child.getOutputStream().close();
        List<String> lines = new ArrayList<>();
        Thread pump = pump(child.getInputStream(), lines);
        // Ready 2 s after the first poll: the child spends its first seconds starting the agent, then waits.
        assertThat(sidecar.awaitRequest("GET", "/healthz/ready", Duration.ofSeconds(90))).as("a first poll").isNotNull();
        Thread.sleep(2000); // the scenario: the proxy turns ready 2 s into the wait
        sidecar.becomeReady();
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child ended").isTrue();
        pump.join(5000);
        String all;
        synchronized (lines) {
          all = String.join("\n", lines);
        }
        Path log = Paths.get("target", "otel-child.log");
        Files.createDirectories(log.getParent());
        Files.write(log, all.getBytes(StandardCharsets.UTF_8));
        assertThat(child.exitValue()).as("exit code; output in %s", log).isZero();
        assertThat(all).contains("wait READY").contains("quit SUCCESS");
        assertThat(sidecar.requests().stream().filter(r -> r.path().equals("/healthz/ready")).count())
            .as("readiness polls made")
            .isGreaterThan(10);
        List<String> spans = lines.stream().filter(l -> l.contains("LoggingSpanExporter") || l.contains("AttributesMap")).collect(Collectors.toList());
        int controlPort = control.port(SidecarPort.ENVOY_ADMIN);
        assertThat(spans).as("the agent traced the control request (so it is active and exporting); output in %s", log)
            .anyMatch(l -> l.contains("127.0.0.1:" + controlPort + "/ready"));
        for (SidecarPort p : new SidecarPort[] {SidecarPort.ISTIO_STATUS, SidecarPort.ISTIO_READINESS, SidecarPort.ENVOY_ADMIN}) {
          String hostPort = "127.0.0.1:" + sidecar.port(p);
          assertThat(spans).as("spans for %s (%s)", p, hostPort).noneMatch(l -> l.contains(hostPort));
        }
      } finally {
        child.destroyForcibly();
      }
    }
  }

  private static Thread pump(InputStream in, List<String> lines) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  synchronized (lines) {
                    lines.add(l);
                  }
                }
              } catch (IOException ignored) {
                // the child is gone
              }
            },
            "otel-child-output");
    t.setDaemon(true);
    t.start();
    return t;
  }
}
