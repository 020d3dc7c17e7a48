package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The fixtures shipped in the jar must be byte-for-byte the collected recordings in {@code ../shared/fixtures}
 * (next to the repository; {@code -Dmeshprobe.sharedFixtures=<dir>} names another place). Where that directory
 * exists, the copies are compared with it byte for byte, and so is the checked-in digest list
 * {@value #DIGESTS} (SHA-256 of every file under the module's fixtures). Where it does not (a plain clone), the copies
 * are compared with that digest list, so the test never skips. After a deliberate change to the fixtures (checked
 * against the shared collection), regenerate the list with {@value #REGENERATE_DIGESTS} from the repository root.
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
  /** SHA-256 and path (relative to the module's fixtures) of every fixture, in {@code sha256sum}'s format. */
  static final String DIGESTS = "src/test/resources/io/meshprobe/testkit/fixtures.sha256";
  static final String REGENERATE_DIGESTS =
      "(cd mesh-probe-testkit/src/main/resources/io/meshprobe/testkit/fixtures && find . -type f | sed 's|^./||'"
          + " | LC_ALL=C sort | xargs sha256sum) > mesh-probe-testkit/" + DIGESTS;

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
    Path shared = sharedDir();
    Map<String, String> digests = checkedInDigests();
    List<String> extra = new ArrayList<>();
    for (String relative : moduleFixtures().keySet()) {
      if (relative.startsWith(RECORDED_HERE + "/")) {
        continue;
      }
      boolean known = Files.isDirectory(shared) ? Files.isRegularFile(shared.resolve(relative)) : digests.containsKey(relative);
      if (!known) {
        extra.add(relative);
      }
    }
    assertThat(extra)
        .as("fixtures in the module that %s does not have", Files.isDirectory(shared) ? shared : DIGESTS + " (no " + shared + " here)")
        .isEmpty();
  }

  @Test
  void everySharedFixtureIsCopiedVerbatim() throws IOException {
    assertTheCopiesMatchTheCheckedInDigests();
    Path shared = sharedDir();
    if (!Files.isDirectory(shared)) {
      return; // a plain clone: the digests above are the comparison
    }
    Map<String, String> module = moduleFixtures();
    Map<String, String> digests = checkedInDigests();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(shared)) {
      files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
    assertThat(files).isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (Path original : files) {
      String relative = slashes(shared.relativize(original));
      String digest = sha256(original);
      if (!module.containsKey(relative)) {
        problems.add("missing: " + relative);
      } else if (!digest.equals(module.get(relative))) {
        problems.add("differs: " + relative);
      }
      if (!digest.equals(digests.get(relative))) {
        problems.add("not in " + DIGESTS + " with the shared file's SHA-256: " + relative);
      }
    }
    assertThat(problems).as("fixtures vs %s (digests: %s)", shared, REGENERATE_DIGESTS).isEmpty();
  }

  /** Every file under the module's fixtures is listed in {@value #DIGESTS} with its SHA-256, and nothing else is. */
  private static void assertTheCopiesMatchTheCheckedInDigests() throws IOException {
    Map<String, String> module = moduleFixtures();
    Map<String, String> digests = checkedInDigests();
    assertThat(module).isNotEmpty();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> f : module.entrySet()) {
      String listed = digests.get(f.getKey());
      if (listed == null) {
        problems.add("not listed: " + f.getKey());
      } else if (!listed.equals(f.getValue())) {
        problems.add("changed: " + f.getKey() + " (SHA-256 " + f.getValue() + ", listed " + listed + ")");
      }
    }
    for (String listed : digests.keySet()) {
      if (!module.containsKey(listed)) {
        problems.add("listed but missing: " + listed);
      }
    }
    assertThat(problems)
        .as("the module's fixtures vs %s; after a deliberate change, checked against the shared collection: %s", DIGESTS, REGENERATE_DIGESTS)
        .isEmpty();
  }

  /** Relative path (with '/') to SHA-256 (hex) of every file under the module's fixtures. */
  private static Map<String, String> moduleFixtures() throws IOException {
    Path dir = moduleDir().resolve(MODULE_FIXTURES);
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).collect(Collectors.toList())) {
        out.put(slashes(dir.relativize(f)), sha256(f));
      }
    }
    return out;
  }

  /** The checked-in list: {@code <sha256>  <relative path>} per line. */
  private static Map<String, String> checkedInDigests() throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (String line : Files.readAllLines(moduleDir().resolve(DIGESTS), StandardCharsets.UTF_8)) {
      if (line.trim().isEmpty()) {
        continue;
      }
      int space = line.indexOf("  ");
      assertThat(space).as("%s line %s", DIGESTS, line).isEqualTo(64);
      out.put(line.substring(space + 2), line.substring(0, space));
    }
    return out;
  }

  private static String sha256(Path f) throws IOException {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
      StringBuilder hex = new StringBuilder();
      for (byte b : d) {
        hex.append(String.format("%02x", b));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String slashes(Path relative) {
    return relative.toString().replace(java.io.File.separatorChar, '/');
  }

  private static Path sharedDir() {
    String override = System.getProperty("meshprobe.sharedFixtures");
    if (override != null) {
      return Paths.get(override);
    }
    return moduleDir().getParent().getParent().resolve("shared").resolve("fixtures").normalize();
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
