package io.meshprobe.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;

/**
 * The generated sections of {@code docs/reliability.md}, checked the way OkHttp's {@code apiCheck} checks its API
 * dump: one build tool for the api's and the agent's suites (a test class of one module is not visible to the
 * other's tests; the testkit is). Each suite owns one section between {@code <!-- BEGIN id -->} and
 * {@code <!-- END id -->} and renders it from its own results into {@code target/generated-docs/reliability/<id>.md};
 * then:
 *
 * <ul>
 *   <li>by default, the section of the checked-in page must equal it, or the suite fails with the command that
 *       regenerates the page ({@value #REGENERATE}). Nothing outside {@code target/} is written.
 *   <li>with {@code -D}{@value #UPDATE}{@code =true}, the section is replaced in the page (under a file lock on
 *       the page, so modules built in parallel cannot lose each other's updates), unless it records a failed cell.
 * </ul>
 *
 * Paths are relative to the module directory, the working directory of Surefire and Failsafe.
 */
public final class GeneratedDocs {
  /** The system property (a Maven user property: Surefire and Failsafe pass it on) that turns the check into an update. */
  public static final String UPDATE = "meshprobe.docs.update";
  /** The one documented command that regenerates the page. */
  public static final String REGENERATE = "./mvnw verify -Dmeshprobe.docs.update=true";
  /** The page, relative to the module directory (Surefire's working directory). */
  static final Path PAGE = Paths.get("..", "docs", "reliability.md");
  /** Where each run's sections go, relative to the module directory. */
  static final Path GENERATED = Paths.get("target", "generated-docs", "reliability");

  private static final Pattern FAILED_CELL = Pattern.compile("\\|\\s*❌");

  private GeneratedDocs() {}

  /**
   * Writes the section {@code id} to {@link #GENERATED}, then checks it against the page (or, in update mode,
   * replaces it there).
   *
   * @throws AssertionError if the page's section differs (check mode)
   */
  public static synchronized void section(String id, String markdown) {
    String body = markdown.trim() + "\n";
    try {
      Files.createDirectories(GENERATED);
      Path generated = GENERATED.resolve(id + ".md");
      Files.write(generated, body.getBytes(StandardCharsets.UTF_8));
      if (Boolean.getBoolean(UPDATE)) {
        if (FAILED_CELL.matcher(body).find()) { // a failed cell (a load flake, a bug) never becomes the documented result
          throw new AssertionError(
              "docs/reliability.md, section '" + id + "': not updated, this run's section records a failure (❌): " + generated.toAbsolutePath());
        }
        update(id, body);
      } else {
        check(id, body, generated);
      }
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static void check(String id, String body, Path generated) throws IOException {
    String where = "docs/reliability.md, section '" + id + "' (between <!-- BEGIN " + id + " --> and <!-- END " + id + " -->)";
    String fix = "If the change is meant, regenerate the page and commit it: " + REGENERATE;
    if (!Files.isRegularFile(PAGE)) {
      throw new AssertionError("docs/reliability.md not found at " + PAGE.toAbsolutePath().normalize() + ". " + fix);
    }
    String current = sectionOf(new String(Files.readAllBytes(PAGE), StandardCharsets.UTF_8), id);
    if (current == null) {
      throw new AssertionError(where + " is missing; this run generated " + generated.toAbsolutePath() + ". " + fix);
    }
    if (!current.equals(body)) {
      throw new AssertionError(
          where + " is out of date: it differs from what this run generated ("
              + generated.toAbsolutePath() + "). " + firstDifference(current, body) + "\n" + fix);
    }
  }

  /** Replaces (or appends) the section in the page, holding an exclusive lock on the page file. */
  private static void update(String id, String body) throws IOException {
    if (!Files.isRegularFile(PAGE)) {
      throw new IllegalStateException("docs/reliability.md not found at " + PAGE.toAbsolutePath().normalize());
    }
    try (FileChannel ch = FileChannel.open(PAGE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      ByteBuffer buf = ByteBuffer.allocate((int) ch.size());
      while (buf.hasRemaining() && ch.read(buf, buf.position()) >= 0) {
        // read to the end
      }
      String page = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
      String next = replaceSection(page, id, body);
      if (!next.equals(page)) {
        byte[] bytes = next.getBytes(StandardCharsets.UTF_8);
        ch.truncate(0);
        ByteBuffer out = ByteBuffer.wrap(bytes);
        long at = 0;
        while (out.hasRemaining()) {
          at += ch.write(out, at);
        }
        ch.force(true);
      }
    }
  }

  /** The text between the markers of {@code id} (trimmed, one final newline), or {@code null} if there is none. */
  static String sectionOf(String page, String id) {
    String begin = "<!-- BEGIN " + id + " -->";
    String end = "<!-- END " + id + " -->";
    int b = page.indexOf(begin);
    int e = page.indexOf(end);
    if (b < 0 || e < b) {
      return null;
    }
    return page.substring(b + begin.length(), e).trim() + "\n";
  }

  static String replaceSection(String page, String id, String body) {
    String begin = "<!-- BEGIN " + id + " -->";
    String end = "<!-- END " + id + " -->";
    String block = begin + "\n" + body.trim() + "\n" + end;
    int b = page.indexOf(begin);
    int e = page.indexOf(end);
    if (b >= 0 && e > b) {
      return page.substring(0, b) + block + page.substring(e + end.length());
    }
    return page.trim() + "\n\n" + block + "\n";
  }

  /** "First difference at line n, column c": both lines from a little before that column, cut to 160 characters. */
  static String firstDifference(String page, String generated) {
    String[] a = page.split("\n", -1);
    String[] b = generated.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String x = i < a.length ? a[i] : "<end of section>";
      String y = i < b.length ? b[i] : "<end of section>";
      if (!x.equals(y)) {
        int c = 0;
        while (c < x.length() && c < y.length() && x.charAt(c) == y.charAt(c)) {
          c++;
        }
        int from = Math.max(0, c - 40);
        return "First difference at line " + (i + 1) + ", column " + (c + 1) + " of the section:\n  page:      "
            + cut(x, from) + "\n  generated: " + cut(y, from);
      }
    }
    return "";
  }

  private static String cut(String s, int from) {
    String t = from >= s.length() ? "" : s.substring(from);
    return (from > 0 ? "…" : "") + (t.length() <= 160 ? t : t.substring(0, 160) + "…");
  }
}
