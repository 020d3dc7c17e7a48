package io.meshprobe.testkit;

import java.time.Duration;
import java.util.Locale;

import io.meshprobe.testkit.internal.FaultScript;
import io.meshprobe.testkit.internal.FaultScript.Kind;

/**
 * A scripted misbehaviour for one path of a {@link FakeSidecar}, set with
 * {@link FakeSidecar.Builder#fault(String, Fault)}. The request is still recorded before the fault plays.
 * Values: equal faults compare equal.
 *
 * <p>On the command line a fault is written as a spec (see {@link #toString()}): {@code status:503[:body]},
 * {@code hang}, {@code reset}, {@code reset-before-body}, {@code slow-body:50ms[:body]},
 * {@code headers-then-hang}, {@code garbage}, {@code huge-body:10m}, {@code redirect:http://host/path},
 * {@code flapping}.
 *
 * <p>Like the socket effects of OkHttp's mockwebserver3, a fault is only a description: the fake's fault player
 * (in the internal package) plays it on the raw connection.
 */
public final class Fault {

  private final FaultScript script;

  private Fault(FaultScript script) {
    this.script = script;
  }

  private static Fault of(Kind kind) {
    return new Fault(FaultScript.of(kind));
  }

  /** Answer with this status code and a {@code text/plain} body (may be empty), e.g. 404, 500, 503. */
  public static Fault status(int code, String body) {
    if (code < 100 || code > 999) {
      throw new IllegalArgumentException("status code out of range: " + code);
    }
    return new Fault(FaultScript.status(code, body == null ? "" : body));
  }

  /** Read the request and never answer; the connection stays open until the sidecar is closed. */
  public static Fault hang() {
    return of(Kind.HANG);
  }

  /** Send a {@code 200} status line and headers announcing a body, then a TCP reset instead of the body. */
  public static Fault resetBeforeBody() {
    return of(Kind.RESET_BEFORE_BODY);
  }

  /** Reset the connection (TCP RST) right after reading the request, with no answer at all. */
  public static Fault reset() {
    return of(Kind.RESET);
  }

  /** Answer {@code 200} with this body, flushing one byte every {@code perByte}. */
  public static Fault slowBody(String body, Duration perByte) {
    if (perByte == null || perByte.isNegative()) {
      throw new IllegalArgumentException("perByte must be >= 0");
    }
    return new Fault(FaultScript.slowBody(body == null ? "" : body, perByte));
  }

  /** Send a {@code 200} status line and headers (with a content-length), then hang without the body. */
  public static Fault headersThenHang() {
    return of(Kind.HEADERS_THEN_HANG);
  }

  /** Write bytes that are not HTTP at all, then close the connection. */
  public static Fault garbage() {
    return of(Kind.GARBAGE);
  }

  /** Answer {@code 200} with a body of exactly {@code bytes} bytes, streamed (never held in memory). */
  public static Fault hugeBody(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0");
    }
    return new Fault(FaultScript.hugeBody(bytes));
  }

  /** Answer {@code 302 Found} with this {@code Location} (typically another host). */
  public static Fault redirect(String location) {
    if (location == null || location.isEmpty()) {
      throw new IllegalArgumentException("location is required");
    }
    return new Fault(FaultScript.redirect(location));
  }

  /**
   * The path answers as if the proxy alternated between not ready and ready on each request, starting with
   * not ready (so a poller sees 503, 200, 503, 200...), whatever the sidecar's real readiness. The counter is
   * shared by every port serving the path.
   */
  public static Fault flapping() {
    return of(Kind.FLAPPING);
  }

  /** What the fault player plays. */
  FaultScript script() {
    return script;
  }

  /**
   * Parses a command-line fault spec (the format {@link #toString()} produces).
   *
   * @throws IllegalArgumentException if the spec is not understood
   */
  public static Fault parse(String spec) {
    String s = spec.trim();
    int colon = s.indexOf(':');
    String name = (colon < 0 ? s : s.substring(0, colon)).toLowerCase(Locale.ROOT);
    String arg = colon < 0 ? null : s.substring(colon + 1);
    switch (name) {
      case "status": {
        String code = required(arg, spec);
        int c2 = code.indexOf(':');
        try {
          return status(Integer.parseInt(c2 < 0 ? code : code.substring(0, c2)), c2 < 0 ? "" : code.substring(c2 + 1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad status code in fault spec: " + spec);
        }
      }
      case "hang":
        return hang();
      case "reset":
        return reset();
      case "reset-before-body":
        return resetBeforeBody();
      case "slow-body": {
        String a = required(arg, spec);
        int c2 = a.indexOf(':');
        Duration d = Durations.parse(c2 < 0 ? a : a.substring(0, c2));
        return slowBody(c2 < 0 ? "slow body\n" : a.substring(c2 + 1), d);
      }
      case "headers-then-hang":
        return headersThenHang();
      case "garbage":
        return garbage();
      case "huge-body":
        return hugeBody(parseSize(required(arg, spec)));
      case "redirect":
        return redirect(required(arg, spec));
      case "flapping":
        return flapping();
      default:
        throw new IllegalArgumentException("unknown fault '" + name + "' in spec: " + spec);
    }
  }

  private static String required(String arg, String spec) {
    if (arg == null || arg.isEmpty()) {
      throw new IllegalArgumentException("fault spec needs an argument: " + spec);
    }
    return arg;
  }

  static long parseSize(String s) {
    String t = s.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    if (t.endsWith("k")) {
      unit = 1024L;
    } else if (t.endsWith("m")) {
      unit = 1024L * 1024;
    } else if (t.endsWith("g")) {
      unit = 1024L * 1024 * 1024;
    }
    if (unit != 1) {
      t = t.substring(0, t.length() - 1);
    }
    try {
      return Long.parseLong(t) * unit;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad size: " + s + " (use e.g. 1048576, 512k, 10m, 1g)");
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Fault)) {
      return false;
    }
    return script.equals(((Fault) o).script);
  }

  @Override
  public int hashCode() {
    return script.hashCode();
  }

  /** The command-line spec of this fault, e.g. {@code status:503:busy} or {@code slow-body:20ms:hello}. */
  @Override
  public String toString() {
    switch (script.kind()) {
      case STATUS:
        return script.body().isEmpty() ? "status:" + script.statusCode()
            : "status:" + script.statusCode() + ":" + script.body();
      case SLOW_BODY:
        return "slow-body:" + script.perByte().toMillis() + "ms:" + script.body();
      case HUGE_BODY:
        return "huge-body:" + script.bytes();
      case REDIRECT:
        return "redirect:" + script.location();
      default:
        return script.kind().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }
}
