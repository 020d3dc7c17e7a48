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
 *
 * <p>The one exception is {@value #RECORDED_HERE}: payloads this project recorded itself from a real Envoy (see the
 * {@code SOURCES.md} in that folder). They are not in the shared collection; each must be listed, with its exact size,
 * in that folder's {@code SOURCES.md}, and nothing else may be in the module's fixtures that the shared collection
 * lacks.
 */
class FixturesAreVerbatimTest {

  private static final String MODULE_FIXTURES = "src/main/resources/io/meshprobe/testkit/fixtures";
  /** The folder of fixtures recorded by mesh-probe-envoy-tests' FixtureRecorder, verified by its own SOURCES.md. */
  static final String RECORDED_HERE = "envoy-1.40";

  @Test
  void everyFixtureRecordedHereIsListedWithItsSizeInItsSources() throws IOException {
    Path dir = moduleDir().resolve(MODULE_FIXTURES).resolve(RECORDED_HERE);
    String sources = new String(Files.readAllBytes(dir.resolve("SOURCES.md")), java.nio.charset.StandardCharsets.UTF_8);
    List<Path> files;
    try (Stream<Path> walk = Files.list(dir)) {
      files = walk.filter(f -> !f.getFileName().toString().equals("SOURCES.md")).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (Path f : files) {
      String row = "| `" + f.getFileName() + "` | " + Files.size(f) + " |";
      if (!sources.contains(row)) {
        problems.add("not listed with its size (" + row + ")");
      }
    }
    assertThat(problems).as("%s/SOURCES.md", RECORDED_HERE).isEmpty();
  }

  @Test
  void theModuleHasNoFixtureOutsideTheSharedCollectionButTheRecordedOnes() throws IOException {
    Path module = moduleDir().resolve(MODULE_FIXTURES);
    Path shared = sharedDir();
    assumeTrue(Files.isDirectory(shared), "no shared fixtures at " + shared);
    List<String> extra = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(module)) {
      for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
        String relative = module.relativize(f).toString();
        if (!relative.startsWith(RECORDED_HERE + "/") && !Files.isRegularFile(shared.resolve(relative))) {
          extra.add(relative);
        }
      }
    }
    assertThat(extra).as("fixtures in the module that %s does not have", shared).isEmpty();
  }

  private static Path sharedDir() {
    String override = System.getProperty("meshprobe.sharedFixtures");
    if (override != null) {
      return Paths.get(override);
    }
    return moduleDir().getParent().getParent().resolve("shared").resolve("fixtures").normalize();
  }

  @Test
  void everySharedFixtureIsCopiedVerbatim() throws IOException {
    Path module = moduleDir();
    Path shared = sharedDir();
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
