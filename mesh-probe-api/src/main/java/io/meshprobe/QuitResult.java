package io.meshprobe;

import java.util.Objects;

/** The outcome of {@link MeshProbe#quitProxy()} and a one-line message that says what happened and what to do. */
public final class QuitResult {
  private final QuitOutcome outcome;
  private final String message;

  QuitResult(QuitOutcome outcome, String message) {
    this.outcome = Objects.requireNonNull(outcome, "outcome");
    this.message = Objects.requireNonNull(message, "message");
  }

  public QuitOutcome outcome() {
    return outcome;
  }

  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return outcome + ": " + message;
  }
}
