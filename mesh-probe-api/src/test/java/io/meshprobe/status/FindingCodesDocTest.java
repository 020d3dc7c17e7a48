package io.meshprobe.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/diagnosis.md's "Findings" table lists exactly the codes of {@link FindingCodes}, which the library raises. */
class FindingCodesDocTest {

  @Test
  void diagnosisPageListsEveryFindingCodeAndNoOtherInTheOrderOfAll() throws Exception {
    assertThat(documented()).containsExactlyElementsOf(FindingCodes.all());
  }

  @Test
  void allListsEveryConstantOnce() throws Exception {
    assertThat(FindingCodes.all()).doesNotHaveDuplicates();
    assertThat(new TreeSet<>(FindingCodes.all())).containsExactlyElementsOf(constants());
  }

  @Test
  void constantsAreLowerCaseAndNamedAfterTheirCode() throws Exception {
    for (Field f : FindingCodes.class.getDeclaredFields()) {
      if (isConstant(f)) {
        String code = (String) f.get(null);
        assertThat(code).matches("[a-z]+(-[a-z]+)*");
        assertThat(f.getName()).isEqualTo(code.replace('-', '_').toUpperCase(java.util.Locale.ROOT));
      }
    }
  }

  static Set<String> constants() throws IllegalAccessException {
    Set<String> codes = new TreeSet<>();
    for (Field f : FindingCodes.class.getDeclaredFields()) {
      if (isConstant(f)) {
        codes.add((String) f.get(null));
      }
    }
    return codes;
  }

  private static boolean isConstant(Field f) {
    int m = f.getModifiers();
    return Modifier.isPublic(m) && Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == String.class;
  }

  /** The codes of the table, in its order, each once (config-rejected has a row per severity). */
  private static Set<String> documented() throws IOException {
    String page = new String(Files.readAllBytes(Paths.get("..", "docs", "diagnosis.md")), StandardCharsets.UTF_8);
    int start = page.indexOf("\n## Findings");
    assertThat(start).as("docs/diagnosis.md has a ## Findings section").isGreaterThan(0);
    int end = page.indexOf("\n## ", start + 1);
    String section = page.substring(start, end < 0 ? page.length() : end);
    Set<String> codes = new LinkedHashSet<>();
    Matcher m = Pattern.compile("(?m)^\\| `([a-z-]+)` \\|").matcher(section);
    while (m.find()) {
      codes.add(m.group(1));
    }
    return codes;
  }
}
