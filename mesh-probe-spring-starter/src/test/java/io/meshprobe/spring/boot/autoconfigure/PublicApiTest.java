package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.internal.PublicApi;
import org.junit.jupiter.api.Test;

/**
 * The starter's public classes (auto-configurations, properties, the endpoint, the initializer) are the checked-in
 * {@code api/mesh-probe-spring-starter.api}; regenerate it after a deliberate change with {@code ./mvnw -pl
 * mesh-probe-spring-starter -am test -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dmeshprobe.api.update=true}. Checked on Boot 4 only (the boot35 profile leaves it out): the same jar serves both.
 */
class PublicApiTest {

  @Test
  void matchesTheCheckedInDump() throws Exception {
    String dump = PublicApi.check("mesh-probe-spring-starter", MeshProbeAutoConfiguration.class);
    assertThat(dump).doesNotContain("io.meshprobe.internal", "okhttp3");
  }
}
