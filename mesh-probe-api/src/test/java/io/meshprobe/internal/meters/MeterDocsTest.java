package io.meshprobe.internal.meters;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/metrics.md}, the agent's README and the starter's README list the meters of the one definition
 * ({@link MeterDefs#ALL}): none missing, none renamed, none that does not exist.
 */
class MeterDocsTest {
  private static final Pattern SERIES = Pattern.compile("\\bmeshprobe_[a-z0-9_]+");
  private static final Pattern ROW = Pattern.compile("^\\| `(meshprobe\\.[a-z.]+)` \\| ([^|]+) \\| ([^|]+) \\| ([^|]+) \\| .* \\| `([a-z_]+)` \\|$", Pattern.MULTILINE);

  @Test
  void theReferenceTableIsTheDefinition() throws IOException {
    String doc = read("../docs/metrics.md");
    List<String> documented = new ArrayList<>();
    Matcher m = ROW.matcher(doc);
    while (m.find()) {
      MeterDef def = MeterDefs.byName(m.group(1));
      assertThat(def).as("docs/metrics.md documents %s, which the definition lacks", m.group(1)).isNotNull();
      documented.add(def.name());
      assertThat(m.group(2).trim()).as("type of %s", def.name()).isEqualTo(def.docType());
      assertThat(m.group(3).trim()).as("unit of %s", def.name()).isEqualTo(def.baseUnit() == null ? "—" : def.baseUnit());
      assertThat(m.group(4).trim()).as("tags of %s", def.name()).isEqualTo(tags(def));
      assertThat(m.group(5)).as("Prometheus name of %s", def.name()).isEqualTo(def.prometheusName());
    }
    List<String> defined = new ArrayList<>();
    for (MeterDef d : MeterDefs.ALL) {
      defined.add(d.name());
    }
    assertThat(documented).containsExactlyElementsOf(defined);
  }

  @Test
  void theAgentReadmeNamesEveryMeterAndNoOther() throws IOException {
    assertNamesEveryMeter(read("../mesh-probe-agent/README.md"), "mesh-probe-agent/README.md");
  }

  @Test
  void theStarterReadmeNamesEveryMeterAndNoOther() throws IOException {
    assertNamesEveryMeter(read("../mesh-probe-spring-starter/README.md"), "mesh-probe-spring-starter/README.md");
  }

  @Test
  void theMetricsPageNamesNoOtherSeries() throws IOException {
    assertNamesEveryMeter(read("../docs/metrics.md"), "docs/metrics.md");
  }

  private static void assertNamesEveryMeter(String text, String file) {
    for (MeterDef d : MeterDefs.ALL) {
      assertThat(text).as("%s names %s", file, d.name()).contains("`" + d.name() + "`");
      assertThat(text).as("%s names %s", file, d.prometheusName()).contains(d.prometheusName());
    }
    Set<String> known = new TreeSet<>();
    for (MeterDef d : MeterDefs.ALL) {
      known.add(d.prometheusName());
    }
    Matcher m = SERIES.matcher(text);
    Set<String> unknown = new TreeSet<>();
    while (m.find()) {
      if (!known.contains(m.group())) {
        unknown.add(m.group());
      }
    }
    assertThat(unknown).as("series in %s that no meter has", file).isEmpty();
  }

  private static String tags(MeterDef def) {
    if (def.tagKeys().isEmpty()) {
      return "—";
    }
    List<String> out = new ArrayList<>();
    for (String k : def.tagKeys()) {
      out.add("`" + k + "`");
    }
    return String.join(", ", out);
  }

  private static String read(String path) throws IOException {
    return new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.UTF_8);
  }
}
