package io.meshprobe.testkit;

import io.meshprobe.testkit.internal.PublicApi;
import org.junit.jupiter.api.Test;

/**
 * The testkit's public API is the checked-in {@code api/mesh-probe-testkit.api}; regenerate it after a deliberate
 * change with {@code ./mvnw -pl mesh-probe-testkit test -Dtest=PublicApiTest -Dmeshprobe.api.update=true}.
 */
class PublicApiTest {

  @Test
  void matchesTheCheckedInDump() throws Exception {
    PublicApi.check("mesh-probe-testkit", FakeSidecar.class);
  }
}
