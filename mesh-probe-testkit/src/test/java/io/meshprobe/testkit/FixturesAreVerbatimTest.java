package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The fixtures shipped in the jar must be byte-for-byte the collected recordings in {@code ../shared/fixtures}
 * (next to the repository). Skipped where that directory does not exist (e.g. a plain clone).
 */
class FixturesAreVerbatimTest {

  private static final String MODULE_FIXTURES = "src/main/resources/io/meshprobe/testkit/fixtures";

  @Test
  void everySharedFixtureIsCopiedVerbatim() throws IOException {
    Path module = moduleDir();
    Path shared = module.getParent().getParent().resolve("shared").resolve("fixtures").normalize();
    String override = System.getProperty("meshprobe.sharedFixtures");
    if (override != null) {
      shared = Paths.get(override);
    }
    assumeTrue(Files.isDirectory(shared), "no shared fixtures at " + shared);

    List<Path> files;
    try (Stream<Path> walk = Files.walk(shared)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (Path original : files) {
      String relative = shared.relativize(original).toString();
      Path copy = module.resolve(MODULE_FIXTURES).resolve(relative);
      if (!Files.isRegularFile(copy)) {
        problems.add("missing: " + relative);
      } else if (!Arrays.equals(Files.readAllBytes(original), Files.readAllBytes(copy))) {
        problems.add("differs: " + relative);
      }
    }
    assertThat(problems).as("fixtures vs %s", shared).isEmpty();
  }

  /** The module directory, whether tests run from it (Maven) or from the repository root (an IDE). */
  private static Path moduleDir() {
    Path cwd = Paths.get("").toAbsolutePath();
    for (Path dir = cwd; dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve(MODULE_FIXTURES)) && dir.getFileName().toString().equals("mesh-probe-testkit")) {
        return dir;
      }
      Path child = dir.resolve("mesh-probe-testkit");
      if (Files.isDirectory(child.resolve(MODULE_FIXTURES))) {
        return child;
      }
    }
    throw new IllegalStateException("cannot find mesh-probe-testkit from " + cwd);
  }
}
