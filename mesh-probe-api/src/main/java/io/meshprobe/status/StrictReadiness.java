package io.meshprobe.status;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The answer to "can this workload switch to STRICT mTLS without breaking a client?", from its configured mode and
 * the plaintext its proxy accepted (see {@code docs/diagnosis.md}, "Ready for STRICT").
 */
public final class StrictReadiness {
  /** Nothing could be told (no proxy, or nothing read). */
  public static final StrictReadiness UNKNOWN =
      new StrictReadiness(Tristate.UNKNOWN, Collections.singletonList("the proxy told nothing about inbound mTLS"));

  private final Tristate ready;
  private final List<String> reasons;

  /**
   * @param ready {@link Tristate#YES} ready, {@link Tristate#NO} not ready, {@link Tristate#UNKNOWN} cannot tell
   * @param reasons why, one line each
   */
  StrictReadiness(Tristate ready, List<String> reasons) {
    this.ready = Objects.requireNonNull(ready, "ready");
    this.reasons = Collections.unmodifiableList(new ArrayList<>(Objects.requireNonNull(reasons, "reasons")));
  }

  /** {@link Tristate#YES}: no client would break; {@link Tristate#NO}: some would (or STRICT is not enforced); unknown. */
  public Tristate ready() {
    return ready;
  }

  /** Why, one line each; never empty for NO or UNKNOWN. */
  public List<String> reasons() {
    return reasons;
  }

  /** {@code "yes, because ..."}, {@code "no, because ..."}, {@code "cannot tell, because ..."}. */
  public String summary() {
    String answer = ready == Tristate.YES ? "yes" : ready == Tristate.NO ? "no" : "cannot tell";
    return reasons.isEmpty() ? answer : answer + ", because " + String.join("; ", reasons);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StrictReadiness && ready == ((StrictReadiness) o).ready && reasons.equals(((StrictReadiness) o).reasons);
  }

  @Override
  public int hashCode() {
    return Objects.hash(ready, reasons);
  }

  @Override
  public String toString() {
    return "ready for STRICT: " + summary();
  }
}
