package io.meshprobe.testkit.internal;

import java.time.Duration;

/**
 * What the public {@code Fault} holds: a kind and its arguments, read by the {@link FaultPlayer}. A value (equal
 * scripts compare equal). Arguments are checked by the {@code Fault} factories, not here.
 */
public final class FaultScript {

  /** The misbehaviours the {@link FaultPlayer} knows. */
  public enum Kind { STATUS, HANG, RESET_BEFORE_BODY, RESET, SLOW_BODY, HEADERS_THEN_HANG, GARBAGE, HUGE_BODY, REDIRECT, FLAPPING }

  private final Kind kind;
  private final int status;
  private final String body;
  private final Duration perByte;
  private final long bytes;
  private final String location;

  private FaultScript(Kind kind, int status, String body, Duration perByte, long bytes, String location) {
    this.kind = kind;
    this.status = status;
    this.body = body;
    this.perByte = perByte;
    this.bytes = bytes;
    this.location = location;
  }

  /** A fault without arguments (hang, reset, garbage, flapping...). */
  public static FaultScript of(Kind kind) {
    return new FaultScript(kind, 0, null, null, 0, null);
  }

  /** Answer {@code status} with a {@code text/plain} {@code body}. */
  public static FaultScript status(int status, String body) {
    return new FaultScript(Kind.STATUS, status, body, null, 0, null);
  }

  /** Answer 200 with {@code body}, one byte every {@code perByte}. */
  public static FaultScript slowBody(String body, Duration perByte) {
    return new FaultScript(Kind.SLOW_BODY, 200, body, perByte, 0, null);
  }

  /** Answer 200 with {@code bytes} bytes, streamed. */
  public static FaultScript hugeBody(long bytes) {
    return new FaultScript(Kind.HUGE_BODY, 200, null, null, bytes, null);
  }

  /** Answer 302 to {@code location}. */
  public static FaultScript redirect(String location) {
    return new FaultScript(Kind.REDIRECT, 302, null, null, 0, location);
  }

  /** Which misbehaviour. */
  public Kind kind() {
    return kind;
  }

  /** The status code of {@link Kind#STATUS} (200 for the bodies, 302 for a redirect, 0 otherwise). */
  public int statusCode() {
    return status;
  }

  /** The body of {@link Kind#STATUS} and {@link Kind#SLOW_BODY}, else null. */
  public String body() {
    return body;
  }

  /** The pause before each byte of {@link Kind#SLOW_BODY}, else null. */
  public Duration perByte() {
    return perByte;
  }

  /** The body length of {@link Kind#HUGE_BODY}, else 0. */
  public long bytes() {
    return bytes;
  }

  /** The {@code Location} of {@link Kind#REDIRECT}, else null. */
  public String location() {
    return location;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof FaultScript)) {
      return false;
    }
    FaultScript f = (FaultScript) o;
    return kind == f.kind && status == f.status && bytes == f.bytes && eq(body, f.body)
        && eq(perByte, f.perByte) && eq(location, f.location);
  }

  private static boolean eq(Object a, Object b) {
    return a == null ? b == null : a.equals(b);
  }

  @Override
  public int hashCode() {
    int h = kind.hashCode();
    h = 31 * h + status;
    h = 31 * h + (int) (bytes ^ (bytes >>> 32));
    h = 31 * h + (body == null ? 0 : body.hashCode());
    h = 31 * h + (perByte == null ? 0 : perByte.hashCode());
    return 31 * h + (location == null ? 0 : location.hashCode());
  }

  @Override
  public String toString() {
    return kind + (status != 0 ? " " + status : "") + (body != null ? " body=" + body : "")
        + (perByte != null ? " perByte=" + perByte : "") + (bytes != 0 ? " bytes=" + bytes : "")
        + (location != null ? " location=" + location : "");
  }
}
