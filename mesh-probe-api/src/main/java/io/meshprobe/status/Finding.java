package io.meshprobe.status;

import java.util.Objects;

/**
 * Something worth knowing about the pod's mesh set-up, with what to do about it. The {@link #code()} is stable
 * (documented in {@code docs/diagnosis.md}, one constant each in {@link FindingCodes}); the message may be reworded.
 */
public final class Finding {
  private final String code;
  private final Severity severity;
  private final String message;

  Finding(String code, Severity severity, String message) {
    this.code = Objects.requireNonNull(code, "code");
    this.severity = Objects.requireNonNull(severity, "severity");
    this.message = Objects.requireNonNull(message, "message");
  }

  /** Stable lower-case code, e.g. {@code mtls-permissive}. */
  public String code() {
    return code;
  }

  public Severity severity() {
    return severity;
  }

  /** One line: what is wrong and how to fix it. */
  public String message() {
    return message;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Finding)) {
      return false;
    }
    Finding f = (Finding) o;
    return code.equals(f.code) && severity == f.severity && message.equals(f.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(code, severity, message);
  }

  @Override
  public String toString() {
    return severity + " " + code + ": " + message;
  }
}
