package io.meshprobe.status;

/** A yes/no answer that may be unknown. */
public enum Tristate {
  YES,
  NO,
  UNKNOWN;

  /** {@link #YES} or {@link #NO}. */
  public static Tristate of(boolean value) {
    return value ? YES : NO;
  }
}
