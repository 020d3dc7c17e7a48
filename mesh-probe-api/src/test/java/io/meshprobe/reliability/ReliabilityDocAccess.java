package io.meshprobe.reliability;

/** Lets suites in other test packages check (or, in update mode, write) their section of {@code docs/reliability.md}. */
public final class ReliabilityDocAccess {
  private ReliabilityDocAccess() {}

  /** See {@link ReliabilityDoc#section(String, String)}. */
  public static void section(String id, String markdown) {
    ReliabilityDoc.section(id, markdown);
  }
}
