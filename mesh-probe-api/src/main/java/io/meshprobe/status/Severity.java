package io.meshprobe.status;

/** How much a {@link Finding} matters. Only {@link #ERROR} makes {@code doctor} exit with 1. */
public enum Severity {
  INFO,
  WARN,
  ERROR
}
