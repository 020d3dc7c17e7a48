package io.meshprobe.reliability;

/** Lets suites in other test packages write their section of {@code docs/reliability.md}. */
public final class ReliabilityDocAccess {
  private ReliabilityDocAccess() {}

  public static void section(String id, String markdown) {
    ReliabilityDoc.section(id, markdown);
  }
}
