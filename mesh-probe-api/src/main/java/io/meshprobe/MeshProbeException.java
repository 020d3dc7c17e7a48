package io.meshprobe;

import org.jspecify.annotations.Nullable;

/** Base of the exceptions mesh-probe throws when a caller asked it to fail rather than go on. */
public class MeshProbeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MeshProbeException(String message) {
    super(message);
  }

  public MeshProbeException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
