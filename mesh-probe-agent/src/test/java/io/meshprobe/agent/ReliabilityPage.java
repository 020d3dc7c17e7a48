package io.meshprobe.agent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Writes this module's sections of {@code docs/reliability.md}, in the format of the api module's
 * {@code io.meshprobe.reliability.ReliabilityDoc} (a section between {@code <!-- BEGIN id -->} and
 * {@code <!-- END id -->}, replaced in place): the agent's tests cannot see the api's test classes.
 */
public final class ReliabilityPage {
  /** Relative to the module directory (the working directory of Surefire and Failsafe). */
  static final Path PAGE = Paths.get("..", "docs", "reliability.md");

  private ReliabilityPage() {}

  /** Replaces the section {@code id} with {@code markdown}, or appends it; does nothing if the page is missing. */
  public static synchronized void section(String id, String markdown) {
    if (!Files.isRegularFile(PAGE)) {
      return;
    }
    String begin = "<!-- BEGIN " + id + " -->";
    String end = "<!-- END " + id + " -->";
    try {
      String page = new String(Files.readAllBytes(PAGE), StandardCharsets.UTF_8);
      String block = begin + "\n" + markdown.trim() + "\n" + end;
      int b = page.indexOf(begin);
      int e = page.indexOf(end);
      if (b >= 0 && e > b) {
        page = page.substring(0, b) + block + page.substring(e + end.length());
      } else {
        page = page.trim() + "\n\n" + block + "\n";
      }
      Files.write(PAGE, page.getBytes(StandardCharsets.UTF_8));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }
}
