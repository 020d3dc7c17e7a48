package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshprobe.internal.ProbeConfig;
import io.meshprobe.internal.Settings;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/** The builder records what code set, and a copy ({@link MeshProbe#newBuilder()}) carries every option. */
class BuilderTest {
  private static final Settings.Source NOTHING = Settings.Source.of(Collections.emptyMap(), Collections.emptyMap());

  /** Every option set in code, each to a value other than its default. */
  private static MeshProbe.Builder everythingSet() {
    MeshProbe.Builder b =
        MeshProbe.builder()
            .enabled(false)
            .mesh(MeshType.LINKERD)
            .detectWindow(Duration.ofSeconds(7))
            .podInfoDir(Paths.get("/test/podinfo"))
            .waitTimeout(Duration.ofSeconds(11))
            .failOnTimeout(true)
            .waitInterval(Duration.ofMillis(13))
            .quitTimeout(Duration.ofSeconds(3))
            .extraQuitUrls(Arrays.asList("http://127.0.0.1:9091/quitquitquit"))
            .istioStatusUrl("http://127.0.0.1:1")
            .istioReadinessUrl("http://127.0.0.1:2")
            .istioAdminUrl("http://127.0.0.1:3")
            .envoyAdminUrl("http://127.0.0.1:4")
            .linkerdAdminUrl("http://127.0.0.1:5")
            .httpTimeout(Duration.ofMillis(1500))
            .maxBody(1024)
            .allowRemoteAdmin(true)
            .statusRefresh(Duration.ofSeconds(17))
            .ports(Arrays.asList(8080, 8443))
            .proxyMemoryBudget(1)
            .quitPreflight(false);
    b.source = NOTHING;
    b.procNet = Paths.get("/test/proc/net");
    return b;
  }

  @Test
  void newBuilderCarriesEveryOptionSetInCode() {
    try (MeshProbe probe = everythingSet().build();
        MeshProbe copy = probe.newBuilder().build()) {
      assertThat(copy.config()).usingRecursiveComparison().isEqualTo(probe.config());
    }
  }

  @Test
  void everyResolvedValueCanBeSetInCode() throws Exception {
    MeshProbe.Builder defaults = MeshProbe.builder();
    defaults.source = NOTHING;
    try (MeshProbe set = everythingSet().build();
        MeshProbe unset = defaults.build()) {
      // A field of ProbeConfig that no builder setter reaches would keep its default here.
      for (Field f : ProbeConfig.class.getFields()) {
        if (Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        assertThat(Objects.equals(f.get(set.config()), f.get(unset.config())))
            .as("ProbeConfig.%s set in code differs from its default", f.getName())
            .isFalse();
      }
    }
  }

  @Test
  void aCopyIsIndependentOfItsOriginal() {
    MeshProbe.Builder original = everythingSet();
    try (MeshProbe probe = original.build()) {
      MeshProbe.Builder copy = probe.newBuilder().waitTimeout(Duration.ofSeconds(99)).mesh(null);
      try (MeshProbe changed = copy.build()) {
        assertThat(changed.config().waitTimeout).isEqualTo(Duration.ofSeconds(99));
        assertThat(changed.config().mesh).as("null set in code means auto").isNull();
      }
      assertThat(probe.newBuilder().build().config().waitTimeout).isEqualTo(Duration.ofSeconds(11));
      assertThat(original.build().config().mesh).isEqualTo(MeshType.LINKERD);
    }
  }

  @Test
  void aValueSetInCodeWinsOverTheSystemProperty() {
    MeshProbe.Builder b = MeshProbe.builder().waitTimeout(Duration.ofSeconds(5));
    b.source = Settings.Source.of(Collections.singletonMap("meshprobe.wait.timeout", "42s"), Collections.emptyMap());
    try (MeshProbe probe = b.build()) {
      assertThat(probe.config().waitTimeout).isEqualTo(Duration.ofSeconds(5));
    }
    MeshProbe.Builder fromProperty = MeshProbe.builder();
    fromProperty.source = b.source;
    try (MeshProbe probe = fromProperty.build()) {
      assertThat(probe.config().waitTimeout).isEqualTo(Duration.ofSeconds(42));
    }
  }

  @Test
  void aNonLoopbackUrlSetInCodeIsRefusedAtBuild() {
    MeshProbe.Builder b = MeshProbe.builder().istioAdminUrl("http://10.0.0.1:15000");
    b.source = NOTHING;
    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("meshprobe.istio.admin-url");
  }
}
