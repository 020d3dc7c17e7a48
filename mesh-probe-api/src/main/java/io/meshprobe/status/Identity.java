package io.meshprobe.status;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The workload's identity and its certificate's validity. Any part may be unknown: Linkerd's metrics give the
 * expiry without the name, its {@code /env.json} the name without the expiry.
 */
public final class Identity {
  private final @Nullable String name;
  private final @Nullable Instant notBefore;
  private final @Nullable Instant notAfter;
  private final String source;

  Identity(@Nullable String name, @Nullable Instant notBefore, @Nullable Instant notAfter, String source) {
    this.name = name;
    this.notBefore = notBefore;
    this.notAfter = notAfter;
    this.source = Objects.requireNonNull(source, "source");
  }

  /** The SPIFFE URI ({@code spiffe://cluster.local/ns/default/sa/app}) or Linkerd's identity name. */
  public @Nullable String name() {
    return name;
  }

  public @Nullable Instant notBefore() {
    return notBefore;
  }

  /** When the workload certificate expires. */
  public @Nullable Instant notAfter() {
    return notAfter;
  }

  /** Where it was read, e.g. {@code "/certs"}, {@code "secrets dump"}, {@code "/metrics + /env.json"}. */
  public String source() {
    return source;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Identity)) {
      return false;
    }
    Identity i = (Identity) o;
    return Objects.equals(name, i.name)
        && Objects.equals(notBefore, i.notBefore)
        && Objects.equals(notAfter, i.notAfter)
        && source.equals(i.source);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, notBefore, notAfter, source);
  }

  @Override
  public String toString() {
    return (name == null ? "unknown identity" : name) + " notAfter=" + notAfter;
  }
}
