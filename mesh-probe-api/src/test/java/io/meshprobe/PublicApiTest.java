package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.internal.PublicApi;
import org.junit.jupiter.api.Test;

/**
 * The library's public API is the checked-in {@code api/mesh-probe-api.api}: a change to it fails here until the dump
 * is regenerated ({@code ./mvnw -pl mesh-probe-api -am test -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dmeshprobe.api.update=true}) and committed, so that every change to the API is deliberate.
 */
class PublicApiTest {

  @Test
  void matchesTheCheckedInDump() throws Exception {
    PublicApi.check("mesh-probe-api", MeshProbe.class);
  }

  /** No public signature outside {@code .internal} mentions OkHttp (or any other HTTP client's types). */
  @Test
  void noHttpClientTypeInAnySignature() throws Exception {
    String dump = PublicApi.render(PublicApi.classesRoot(MeshProbe.class), MeshProbe.class.getClassLoader());
    assertThat(dump).contains("public final class io.meshprobe.MeshProbe").doesNotContain("okhttp3", "java.net.http", "HttpURLConnection");
  }
}
