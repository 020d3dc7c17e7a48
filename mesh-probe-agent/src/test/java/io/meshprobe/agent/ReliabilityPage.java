package io.meshprobe.agent;

import io.meshprobe.testkit.internal.GeneratedDocs;

/** This module's sections of {@code docs/reliability.md}, checked (or regenerated) by the testkit's {@link GeneratedDocs}. */
public final class ReliabilityPage {
  private ReliabilityPage() {}

  /** See {@link GeneratedDocs#section(String, String)}. */
  public static void section(String id, String markdown) {
    GeneratedDocs.section(id, markdown);
  }
}
