package io.meshprobe.reliability;

import io.meshprobe.testkit.internal.GeneratedDocs;

/** This module's sections of {@code docs/reliability.md}, checked (or regenerated) by the testkit's {@link GeneratedDocs}. */
final class ReliabilityDoc {
  private ReliabilityDoc() {}

  /** See {@link GeneratedDocs#section(String, String)}. */
  static void section(String id, String markdown) {
    GeneratedDocs.section(id, markdown);
  }

  /** Replaces port numbers, durations and temp paths so the page does not change from run to run. */
  static String stable(String s) {
    return s.replaceAll("(127\\.0\\.0\\.1|\\[::1\\]|localhost):\\d+", "$1:<port>")
        .replaceAll("/tmp/[^\\s,;)'\"]+", "<tmp>")
        .replaceAll("\\b\\d+ ms\\b", "<n> ms")
        .replace("|", "\\|")
        .replace("\n", " ");
  }
}
