package io.meshprobe.samples.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.meshprobe.MeshProbe;
import io.meshprobe.QuitOutcome;
import io.meshprobe.WaitOutcome;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.meshprobe.status.FindingCodes;
import io.meshprobe.status.MtlsMode;
import io.meshprobe.status.PortProtocol;
import io.meshprobe.status.Severity;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.Fixtures;
import io.meshprobe.testkit.SidecarPort;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every series, label and label value the Grafana dashboard and the Prometheus alerts use is one the library really
 * exports: {@link MeshProbeMetrics} bound to a {@link PrometheusMeterRegistry}, scraped after a wait, a status and a
 * quit against the fake sidecar (Istio; Linkerd with its shutdown endpoint disabled; no mesh at all).
 */
class ObservabilityAssetsTest {
  private static final Path DIR = Paths.get(System.getProperty("assets.dir", "."));
  private static final Path ROOT = Paths.get(System.getProperty("repo.root", "../.."));
  /** Labels Prometheus adds when it scrapes a pod (job, instance; namespace and pod from kubernetes_sd relabelling). */
  private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod");
  private static final Pattern SERIES = Pattern.compile("\\bmeshprobe_[a-z0-9_]+");
  private static final Pattern SELECTOR = Pattern.compile("(meshprobe_[a-z0-9_]+)\\s*\\{([^}]*)}");
  private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
  private static final Pattern GROUPING = Pattern.compile("\\b(?:by|on|without|ignoring)\\s*\\(([^)]*)\\)");

  /** Series name -> label names seen in the scrapes. */
  private static final Map<String, Set<String>> scraped = new HashMap<>();

  @BeforeAll
  static void scrape() throws Exception {
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    try (FakeSidecar istio = FakeSidecar.istio().freePorts().log(quiet).start();
        MeshProbe probe = MeshProbe.builder()
            .istioStatusUrl(istio.url(SidecarPort.ISTIO_STATUS))
            .istioReadinessUrl(istio.url(SidecarPort.ISTIO_READINESS))
            .istioAdminUrl(istio.url(SidecarPort.ENVOY_ADMIN))
            .build()) {
      record(probe);
    }
    try (FakeSidecar linkerd = FakeSidecar.linkerd().freePorts().log(quiet).start();
        MeshProbe probe = MeshProbe.builder().linkerdAdminUrl(linkerd.url(SidecarPort.LINKERD_ADMIN)).build()) {
      record(probe);
    }
    // A real Linkerd proxy scrape (recorded, fixtures/linkerd/proxy-metrics-2021-authz-inbound.prom.txt) whose inbound
    // counters show plaintext (tls="no_identity") and mTLS requests on app ports: the observed share, so
    // meshprobe_mtls_plaintext_share.
    try (FakeSidecar linkerd = FakeSidecar.linkerd().freePorts().log(quiet)
            .fault("/metrics", Fault.status(200, Fixtures.text("linkerd/proxy-metrics-2021-authz-inbound.prom.txt")))
            .start();
        MeshProbe probe = MeshProbe.builder().linkerdAdminUrl(linkerd.url(SidecarPort.LINKERD_ADMIN)).build()) {
      record(probe);
    }
    String nothing = "http://127.0.0.1:" + closedPort();
    try (MeshProbe probe = MeshProbe.builder()
        .istioStatusUrl(nothing).istioReadinessUrl(nothing).istioAdminUrl(nothing)
        .envoyAdminUrl(nothing).linkerdAdminUrl(nothing)
        .build()) {
      record(probe);
    }
  }

  private static void record(MeshProbe probe) throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (MeshProbeMetrics metrics = new MeshProbeMetrics(probe)) {
      metrics.bindTo(registry);
      probe.awaitReady();
      probe.refreshStatus();
      probe.quitProxy();
      for (String line : registry.scrape().split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
        Set<String> labels = scraped.computeIfAbsent(name, k -> new TreeSet<>());
        if (brace >= 0 && brace < space) {
          Matcher m = MATCHER.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
          while (m.find()) {
            labels.add(m.group(1));
          }
        }
      }
    } finally {
      registry.close();
    }
  }

  @Test
  void theScrapeHasEveryMeterTheReadmeAndTheMetricsReferenceDocument() throws IOException {
    // Sanity of the reference side: the README's metrics table lists Prometheus names; each is in the scrape.
    Matcher m = Pattern.compile("`(meshprobe_[a-z0-9_]+)`")
        .matcher(Files.readString(ROOT.resolve("README.md")) + Files.readString(ROOT.resolve("docs/metrics.md")));
    List<String> documented = new ArrayList<>();
    while (m.find()) {
      documented.add(m.group(1));
    }
    assertThat(documented).isNotEmpty();
    assertThat(scraped.keySet()).containsAll(documented);
    assertThat(scraped.keySet()).contains("meshprobe_port_info", "meshprobe_findings", "meshprobe_identity_info",
        "meshprobe_identity_cert_expiration_timestamp_seconds", "meshprobe_mtls_enabled", "meshprobe_mtls_mode", "meshprobe_proxy_quit_total",
        "meshprobe_config_rejected_total");
  }

  @Test
  void theAlertRulesUseOnlyExportedSeriesLabelsAndValues() throws IOException {
    JsonNode rules = new YAMLMapper().readTree(DIR.resolve("prometheus/mesh-probe-alerts.yaml").toFile());
    Set<String> alerts = new HashSet<>();
    int checked = 0;
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String name = rule.path("alert").asText();
        String expr = rule.path("expr").asText();
        assertThat(name).isNotEmpty();
        assertThat(rule.at("/labels/severity").asText()).as(name).isIn("info", "warning", "critical");
        assertThat(rule.at("/annotations/summary").asText()).as(name).isNotEmpty();
        checkExpression(name, expr);
        alerts.add(name);
        checked++;
      }
    }
    assertThat(checked).isPositive();
    // The ones the issue asks for.
    assertThat(alerts).contains("MeshProbePodNotMeshed", "MeshProbeMtlsPermissive", "MeshProbeCertificateExpiringSoon",
        "MeshProbeQuitFailed", "MeshProbeProxyNotReady");
    // And every alert the metrics reference recommends.
    assertThat(alerts).contains("MeshProbeControlPlaneDisconnected", "MeshProbeConfigRejected", "MeshProbeProxyMemoryOverBudget",
        "MeshProbeQuitUnavailable");
    // Plaintext accepted on a workload configured STRICT (issue 19; promtool test in prometheus/tests/mtls-strict.test.yaml).
    assertThat(alerts).contains("MeshProbeStrictNotEnforced");
  }

  @Test
  void theDashboardUsesOnlyExportedSeriesLabelsAndValues() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DIR.resolve("grafana/mesh-probe-dashboard.json").toFile());
    assertThat(dashboard.path("uid").asText()).isNotEmpty();
    int checked = 0;
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        checkExpression(panel.path("title").asText(), target.path("expr").asText());
        checked++;
      }
    }
    for (JsonNode variable : dashboard.at("/templating/list")) {
      if (variable.path("type").asText().equals("query")) {
        checkExpression("variable " + variable.path("name").asText(), variable.at("/query/query").asText());
        checked++;
      }
    }
    assertThat(checked).isGreaterThanOrEqualTo(10);
  }

  private static void checkExpression(String where, String expr) throws IOException {
    Matcher series = SERIES.matcher(expr);
    assertThat(series.find()).as(where + ": uses a meshprobe_* series: " + expr).isTrue();
    series.reset();
    Set<String> allLabels = new HashSet<>(TARGET_LABELS);
    while (series.find()) {
      assertThat(scraped).as(where + ": " + series.group() + " is exported").containsKey(series.group());
      allLabels.addAll(scraped.get(series.group()));
    }
    Matcher selector = SELECTOR.matcher(expr);
    while (selector.find()) {
      Set<String> labels = new HashSet<>(scraped.get(selector.group(1)));
      labels.addAll(TARGET_LABELS);
      Matcher m = MATCHER.matcher(selector.group(2));
      while (m.find()) {
        assertThat(labels).as(where + ": label " + m.group(1) + " of " + selector.group(1)).contains(m.group(1));
        checkValues(where, m.group(1), m.group(3));
      }
    }
    Matcher grouping = GROUPING.matcher(expr);
    while (grouping.find()) {
      for (String label : grouping.group(1).split(",")) {
        assertThat(allLabels).as(where + ": grouping label " + label.trim()).contains(label.trim());
      }
    }
  }

  /** Literal values (alternatives of a regex too) must be values the library can produce. */
  private static void checkValues(String where, String label, String value) throws IOException {
    if (value.contains("$") || value.equals(".*")) {
      return; // a dashboard variable
    }
    Set<String> allowed = allowedValues(label);
    if (allowed == null) {
      return;
    }
    for (String v : value.split("\\|")) {
      assertThat(allowed).as(where + ": " + label + "=\"" + v + "\"").contains(v);
    }
  }

  private static Set<String> allowedValues(String label) throws IOException {
    switch (label) {
      case "mesh":
        // Detection.mesh(): documented values.
        return Set.of("istio", "linkerd", "consul", "kuma", "appmesh", "osm", "envoy", "none");
      case "outcome":
        Set<String> outcomes = new HashSet<>(lower(WaitOutcome.values()));
        outcomes.addAll(lower(QuitOutcome.values()));
        return outcomes;
      case "severity":
        return lower(Severity.values());
      case "mtls":
        return lower(MtlsMode.values());
      case "mode":
        // meshprobe_mtls_mode: the mode's own name, upper case.
        return Arrays.stream(MtlsMode.values()).map(Enum::name).collect(Collectors.toSet());
      case "protocol":
        return lower(PortProtocol.values());
      case "code":
        // The finding codes the library raises (docs/diagnosis.md lists the same, FindingCodesDocTest checks).
        return new HashSet<>(FindingCodes.all());
      default:
        return null;
    }
  }

  private static Set<String> lower(Enum<?>[] values) {
    return Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
