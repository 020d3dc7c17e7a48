package io.meshprobe;

import io.meshprobe.testkit.FakeSidecar;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

/** Opens {@link ProbeFixture}'s isolated builders to the reliability suites in {@code io.meshprobe.reliability}. */
public final class ReliabilityProbes {
  private ReliabilityProbes() {}

  /** Every admin URL points at a closed port; no system properties, environment or /proc. */
  public static MeshProbe.Builder isolated() {
    return ProbeFixture.isolated();
  }

  /** Same, with these environment variables (e.g. {@code MESHPROBE_ADMIN_ALLOW_REMOTE}). */
  public static MeshProbe.Builder isolated(Map<String, String> env) {
    return ProbeFixture.isolated(env);
  }

  /** Aimed at a fake sidecar's ports. */
  public static MeshProbe.Builder aimedAt(FakeSidecar sidecar) {
    return ProbeFixture.aimedAt(sidecar);
  }

  /** Reads listening sockets from the real {@code /proc/net}, as in production. */
  public static MeshProbe.Builder withRealProcNet(MeshProbe.Builder b) {
    return ProbeFixture.withProcNet(b, Paths.get("/proc/net"));
  }

  public static MeshProbe.Builder withProcNet(MeshProbe.Builder b, Path procNet) {
    return ProbeFixture.withProcNet(b, procNet);
  }
}
