package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's configuration table and the code name the same keys, environment variables and defaults. */
class ConfigReferenceTest {

  @Test
  void everyKeyIsDocumentedWithItsEnvironmentVariableAndDefault() throws IOException {
    String readme = readme();
    for (MeshProbeKey key : MeshProbeKey.values()) {
      String defaultCell = key.defaultValue().isEmpty() ? "(empty)" : "`" + key.defaultValue() + "`";
      assertThat(readme)
          .as("README row for %s", key.key())
          .contains("| `" + key.key() + "` | `" + key.envName() + "` | " + defaultCell + " |");
    }
  }

  @Test
  void theReadmeNamesNoLibraryKeyTheCodeLacks() throws IOException {
    Matcher m = Pattern.compile("^\\| `(meshprobe\\.[a-z.\\-]+)` \\| `MESHPROBE_", Pattern.MULTILINE).matcher(section(readme()));
    List<String> documented = new ArrayList<>();
    while (m.find()) {
      documented.add(m.group(1));
    }
    List<String> known = new ArrayList<>();
    for (MeshProbeKey key : MeshProbeKey.values()) {
      known.add(key.key());
    }
    assertThat(documented).containsExactlyElementsOf(known);
  }

  private static String section(String readme) {
    int start = readme.indexOf("### Configuration");
    int end = readme.indexOf("\n## ", start);
    return readme.substring(start, end < 0 ? readme.length() : end);
  }

  private static String readme() throws IOException {
    Path path = Paths.get("..", "README.md");
    return new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
  }
}
