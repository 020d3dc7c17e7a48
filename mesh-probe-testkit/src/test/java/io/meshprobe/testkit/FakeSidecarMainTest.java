package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class FakeSidecarMainTest {

  private final Http.Log out = new Http.Log();
  private final Http.Log err = new Http.Log();

  @Test
  void helpDocumentsEveryFlag() {
    assertThat(FakeSidecarMain.run(new String[] {"--help"}, out.stream, err.stream, null)).isZero();
    assertThat(out.text()).contains("--mesh istio|linkerd|envoy", "--ready-after", "--listen-after", "--free-ports",
        "--port NAME=N", "--native-sidecar", "--istio-version", "--shutdown-enabled", "--config-dump", "--certs",
        "--fault PATH=SPEC", "--bind", "--never-ready", "--linger-on-quit", "--log-requests", "500ms");
    assertThat(err.text()).isEmpty();
  }

  @Test
  void badUsageExits2WithUsageOnStderr() {
    assertThat(FakeSidecarMain.run(new String[] {"--mesh", "istio", "--bogus"}, out.stream, err.stream, null)).isEqualTo(2);
    assertThat(err.text()).contains("unknown option --bogus").contains("usage:");
    for (String[] bad : new String[][] {{}, {"--mesh", "consul"}, {"--mesh", "istio", "--ready-after", "soon"},
        {"--mesh", "linkerd", "--port", "ISTIO_STATUS=1"}, {"--mesh", "istio", "--fault", "/healthz/ready=explode"},
        {"--mesh", "istio", "--free-ports=yes"}, {"--mesh"}}) {
      assertThat(FakeSidecarMain.run(bad, out.stream, err.stream, null)).as(String.join(" ", bad)).isEqualTo(2);
    }
    assertThat(out.text()).isEmpty();
  }

  @Test
  void parsesEveryOption() throws Exception {
    FakeSidecar.Builder b = FakeSidecarMain.parse(new String[] {"--port=ENVOY_ADMIN=19000", "--mesh=envoy",
      "--ready-after", "1s", "--listen-after=0", "--fault", "/ready=status:503:nope", "--bind", "127.0.0.1",
      "--config-dump", "istio/waypoint-1.21-httpbin.config_dump.json", "--linger-on-quit"}, out.stream);
    FakeSidecar s = b.build();
    assertThat(s.personality()).isEqualTo(Personality.ENVOY);
    assertThat(s.port(SidecarPort.ENVOY_ADMIN)).isEqualTo(19000);
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(Durations.parse("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThatThrownBy(() -> Durations.parse("2 fortnights")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void runsInProcessUntilQuitAndExits0() throws Exception {
    CompletableFuture<FakeSidecar> started = new CompletableFuture<>();
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> FakeSidecarMain.run(
        new String[] {"--mesh", "istio", "--free-ports", "--ready-after", "50ms", "--native-sidecar"},
        out.stream, err.stream, started::complete));
    FakeSidecar s = started.get(5, TimeUnit.SECONDS);
    Http.await(Duration.ofSeconds(5), s::isReady);
    assertThat(out.lines()).contains("fake-sidecar: istio ISTIO_STATUS listening on " + s.url(SidecarPort.ISTIO_STATUS),
        "fake-sidecar: istio READY epochMillis=" + s.readyAtEpochMillis());
    assertThat(Http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/server_info").text()).contains("\\\"istio-proxy\\\"],");
    assertThat(Http.post(s.url(SidecarPort.ISTIO_STATUS) + "/quitquitquit").status()).isEqualTo(200);
    assertThat(exit.get(5, TimeUnit.SECONDS)).isZero();
    assertThat(Http.threads(s.threadNamePrefix())).isEmpty();
  }

  @Test
  @Timeout(20)
  void forkedProcessPrintsItsPortsAndExits0OnShutdown() throws Exception {
    Path classes = Paths.get(FakeSidecarMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", classes.toString(), FakeSidecarMain.class.getName(),
        "--mesh", "linkerd", "--free-ports", "--shutdown-enabled").redirectErrorStream(true).start();
    try {
      BufferedReader stdout = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      String url = null;
      Pattern listening = Pattern.compile("fake-sidecar: linkerd LINKERD_ADMIN listening on (http://\\S+)");
      for (String line; url == null && (line = stdout.readLine()) != null; ) {
        lines.add(line);
        Matcher m = listening.matcher(line);
        if (m.matches()) {
          url = m.group(1);
        }
      }
      assertThat(url).as("output: %s", lines).isNotNull();
      assertThat(stdout.readLine()).startsWith("fake-sidecar: linkerd READY epochMillis=");
      assertThat(Http.get(url + "/ready").text()).isEqualTo("ready\n");
      assertThat(Http.post(url + "/shutdown").text()).isEqualTo("shutdown\n");
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    } finally {
      p.destroyForcibly();
    }
  }
}
