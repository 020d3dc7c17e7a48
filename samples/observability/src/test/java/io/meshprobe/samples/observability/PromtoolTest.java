package io.meshprobe.samples.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and the dashboard, checked by Prometheus's own tool: {@code promtool check rules} on every rule file
 * of prometheus/, {@code promtool test rules} on every unit test file of prometheus/tests/, and every PromQL expression
 * of the Grafana dashboards parsed by promtool as generated recording rules (target/promtool/). Plus, without
 * promtool: every alert has a unit test in which it fires and one in which it stays silent.
 *
 * <p>promtool comes from the PATH (or {@code -Dpromtool=/path/to/promtool}); .ci/run installs it. Without it these
 * tests are skipped with one line, except on CI ({@code CI=true}), where they fail.
 */
class PromtoolTest {
  private static final Path DIR = Paths.get(System.getProperty("assets.dir", "."));
  private static final Path RULES = DIR.resolve("prometheus");
  private static final Path TESTS = RULES.resolve("tests");
  private static final Path OUT = Paths.get(System.getProperty("build.dir", "target")).resolve("promtool");
  private static final YAMLMapper YAML = new YAMLMapper();
  /** Grafana's variables, as a dashboard would expand them: ranges become 5m, every other variable a regex. */
  private static final Pattern RANGE_VARIABLE = Pattern.compile("\\$(__rate_interval|__interval|__range)\\b|\\$\\{(__rate_interval|__interval|__range)}");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?");
  /** Grafana's label_values(query, label) and query_result(query) in template variables: the inner query is PromQL. */
  private static final Pattern GRAFANA_FUNCTION = Pattern.compile("^\\s*(?:label_values|query_result)\\((.*?)(?:,\\s*[A-Za-z_][A-Za-z0-9_]*)?\\)\\s*$", Pattern.DOTALL);

  @Test
  void theRuleFilesPassPromtoolCheckRules() throws Exception {
    List<String> command = new ArrayList<>(List.of(promtool(), "check", "rules"));
    ruleFiles().forEach(p -> command.add(p.toString()));
    assertThat(command).as("rule files in " + RULES).hasSizeGreaterThan(3);
    run(command);
  }

  @Test
  void everyUnitTestFilePassesPromtoolTestRules() throws Exception {
    List<String> command = new ArrayList<>(List.of(promtool(), "test", "rules"));
    testFiles().forEach(p -> command.add(p.getFileName().toString()));
    assertThat(command).as("test files in " + TESTS).hasSizeGreaterThan(3);
    // From the tests' folder: their rule_files are relative to it.
    run(command, TESTS);
  }

  @Test
  void everyDashboardExpressionParses() throws Exception {
    Path generated = dashboardRules();
    run(List.of(promtool(), "check", "rules", generated.toString()));
  }

  /** Needs no promtool: a new alert without a unit test (firing and silent) fails the build. */
  @Test
  void everyAlertHasATestWhereItFiresAndOneWhereItStaysSilent() throws IOException {
    Map<String, int[]> cases = new TreeMap<>();
    for (Path rules : ruleFiles()) {
      for (JsonNode group : YAML.readTree(rules.toFile()).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          if (rule.has("alert")) {
            cases.put(rule.path("alert").asText(), new int[2]);
          }
        }
      }
    }
    assertThat(cases).as("alerts in " + RULES).isNotEmpty();
    for (Path file : testFiles()) {
      for (JsonNode test : YAML.readTree(file.toFile()).path("tests")) {
        for (JsonNode c : test.path("alert_rule_test")) {
          int[] counts = cases.get(c.path("alertname").asText());
          assertThat(counts).as(file.getFileName() + ": alertname " + c.path("alertname").asText() + " is an alert").isNotNull();
          counts[c.path("exp_alerts").isEmpty() ? 1 : 0]++;
        }
      }
    }
    cases.forEach((alert, counts) -> {
      assertThat(counts[0]).as(alert + ": a case in prometheus/tests/*.test.yaml where it fires (exp_alerts)").isPositive();
      assertThat(counts[1]).as(alert + ": a case where it stays silent (exp_alerts: [])").isPositive();
    });
  }

  /** Each panel target and query variable of every dashboard as a recording rule, for promtool to parse. */
  private static Path dashboardRules() throws IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = YAML.createObjectNode();
    ArrayNode groups = root.putArray("groups");
    List<Path> dashboards;
    try (Stream<Path> files = Files.list(DIR.resolve("grafana"))) {
      dashboards = files.filter(p -> p.toString().endsWith(".json")).sorted().collect(Collectors.toList());
    }
    assertThat(dashboards).isNotEmpty();
    int total = 0;
    for (Path dashboard : dashboards) {
      JsonNode d = json.readTree(dashboard.toFile());
      ObjectNode group = groups.addObject();
      group.put("name", "dashboard " + dashboard.getFileName());
      ArrayNode rules = group.putArray("rules");
      List<JsonNode> panels = new ArrayList<>();
      d.path("panels").forEach(panels::add);
      // Rows may nest their panels.
      d.path("panels").forEach(p -> p.path("panels").forEach(panels::add));
      for (JsonNode panel : panels) {
        for (JsonNode target : panel.path("targets")) {
          String expr = target.path("expr").asText();
          if (!expr.isBlank()) {
            rules.addObject()
                .put("record", "dashboard:panel_" + panel.path("id").asInt() + "_" + target.path("refId").asText("A").toLowerCase())
                .put("expr", expand(expr));
            total++;
          }
        }
      }
      for (JsonNode variable : d.at("/templating/list")) {
        if (variable.path("type").asText().equals("query")) {
          JsonNode q = variable.path("query");
          String query = q.isObject() ? q.path("query").asText() : q.asText();
          Matcher f = GRAFANA_FUNCTION.matcher(query);
          rules.addObject()
              .put("record", "dashboard:variable_" + variable.path("name").asText())
              .put("expr", expand(f.matches() ? f.group(1) : query));
          total++;
        }
      }
    }
    assertThat(total).as("dashboard expressions").isGreaterThanOrEqualTo(10);
    Files.createDirectories(OUT);
    Path out = OUT.resolve("dashboard-rules.yaml");
    YAML.writeValue(out.toFile(), root);
    return out;
  }

  static String expand(String expr) {
    String ranges = RANGE_VARIABLE.matcher(expr).replaceAll("5m");
    return VARIABLE.matcher(ranges).replaceAll(".*");
  }

  private static List<Path> ruleFiles() throws IOException {
    try (Stream<Path> files = Files.list(RULES)) {
      return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().collect(Collectors.toList());
    }
  }

  private static List<Path> testFiles() throws IOException {
    try (Stream<Path> files = Files.list(TESTS)) {
      return files.filter(p -> p.getFileName().toString().matches(".*\\.test\\.ya?ml")).sorted().collect(Collectors.toList());
    }
  }

  private static String promtool() {
    Optional<String> found = Optional.ofNullable(System.getProperty("promtool")).filter(s -> !s.isBlank());
    if (found.isEmpty()) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        Path candidate = Paths.get(dir, "promtool");
        if (Files.isExecutable(candidate)) {
          found = Optional.of(candidate.toString());
          break;
        }
      }
    }
    if (found.isEmpty()) {
      String message = "promtool not on the PATH: install it (go install github.com/prometheus/prometheus/cmd/promtool@v0.316.0)"
          + " or pass -Dpromtool=/path/to/promtool";
      assertThat(System.getenv("CI")).as(message + " (mandatory on CI)").isNotEqualTo("true");
      Assumptions.abort(message);
    }
    return found.get();
  }

  private static void run(List<String> command) throws Exception {
    run(command, DIR);
  }

  private static void run(List<String> command, Path dir) throws Exception {
    Files.createDirectories(OUT);
    Path log = Files.createTempFile(OUT, command.get(1) + "-" + command.get(2) + "-", ".log");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    boolean ended = p.waitFor(2, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    String text = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(ended).as(String.join(" ", command) + " ends within 2 minutes:\n" + text).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + " in " + dir + ":\n" + text).isZero();
  }
}
