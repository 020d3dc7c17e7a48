package io.meshprobe.samples.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.status.FindingCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/troubleshooting.md covers every finding code the library raises and names only alerts that exist. */
class TroubleshootingDocTest {
  private static final Path ROOT = Paths.get(System.getProperty("repo.root", "../.."));

  @Test
  void everyFindingCodeHasAnEntry() throws IOException {
    String page = Files.readString(ROOT.resolve("docs/troubleshooting.md"));
    for (String code : FindingCodes.all()) {
      assertThat(page).as("finding " + code).contains("`" + code + "`");
    }
  }

  @Test
  void theAlertsItNamesExist() throws IOException {
    Set<String> named = matches("`(MeshProbe[A-Z][A-Za-z]+)`", ROOT.resolve("docs/troubleshooting.md"));
    Set<String> defined = matches("alert: (MeshProbe[A-Za-z]+)", ROOT.resolve("samples/observability/prometheus/mesh-probe-alerts.yaml"));
    assertThat(named).isNotEmpty();
    assertThat(defined).containsAll(named);
  }

  private static Set<String> matches(String regex, Path file) throws IOException {
    Matcher m = Pattern.compile(regex).matcher(Files.readString(file));
    Set<String> found = new TreeSet<>();
    while (m.find()) {
      found.add(m.group(1));
    }
    return found;
  }
}
