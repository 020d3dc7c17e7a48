package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.StatusDocument;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code meshprobe} actuator endpoint: the status document ({@value StatusDocument#SCHEMA}, the same JSON as
 * {@code mesh-probe doctor --json}, minus the CLI's own {@code ready} and {@code detection} fields). Read-only, and
 * like most of Boot's endpoints not exposed by default: {@code management.endpoints.web.exposure.include=meshprobe}.
 *
 * <p>It serves the cached snapshot of the library's background refresh; only when there is none yet it takes one
 * (bounded by {@code meshprobe.http.timeout} per call).
 */
@Endpoint(id = "meshprobe", defaultAccess = Access.READ_ONLY)
public class MeshProbeEndpoint {
  private final MeshProbe probe;

  MeshProbeEndpoint(MeshProbe probe) {
    this.probe = probe;
  }

  /** The status document as JSON text, written by the library ({@link StatusDocument#toJson}); {@code null} (404) once the probe is closed with no snapshot. */
  @ReadOperation(produces = "application/json")
  public @Nullable String status() {
    MeshStatus s = probe.status();
    if (s == null) {
      try {
        s = probe.refreshStatus();
      } catch (IllegalStateException closed) {
        return null;
      }
    }
    return StatusDocument.toJson(s);
  }
}
