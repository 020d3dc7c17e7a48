package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

  @Test
  void envNameUpperCasesAndTurnsDotsAndDashesIntoUnderscores() {
    assertThat(Settings.envName("meshprobe.wait.on-timeout")).isEqualTo("MESHPROBE_WAIT_ON_TIMEOUT");
    assertThat(MeshProbeKey.ISTIO_STATUS_URL.envName()).isEqualTo("MESHPROBE_ISTIO_STATUS_URL");
  }

  @Test
  void systemPropertyWinsOverEnvironmentWhichWinsOverDefault() {
    Map<String, String> props = new HashMap<>();
    Map<String, String> env = new HashMap<>();
    Settings s = new Settings(Settings.Source.of(props, env));
    assertThat(s.duration(MeshProbeKey.WAIT_TIMEOUT)).isEqualTo(Duration.ofSeconds(60));

    env.put("MESHPROBE_WAIT_TIMEOUT", "30s");
    assertThat(s.duration(MeshProbeKey.WAIT_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));

    props.put("meshprobe.wait.timeout", "250ms");
    assertThat(s.duration(MeshProbeKey.WAIT_TIMEOUT)).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void blankValuesFallThrough() {
    Settings s =
        new Settings(
            Settings.Source.of(
                Collections.singletonMap("meshprobe.mesh", "  "), Collections.singletonMap("MESHPROBE_MESH", "linkerd")));
    assertThat(s.string(MeshProbeKey.MESH)).isEqualTo("linkerd");
  }

  @Test
  void aBadValueIsOneWarningNamingTheKeyTheValueAndTheDefaultAndTheDefaultApplies() {
    Map<String, String> props = new HashMap<>();
    props.put("meshprobe.enabled", "maybe");
    props.put("meshprobe.mesh", "consul");
    props.put("meshprobe.http.max-body", "0");
    Map<String, String> env = new HashMap<>();
    env.put("MESHPROBE_QUIT_TIMEOUT", "soon");
    env.put("MESHPROBE_WAIT_TIMEOUT", "banana");
    env.put("MESHPROBE_WAIT_INTERVAL", "0s");
    List<String> warnings = new ArrayList<>();
    Settings s = new Settings(Settings.Source.of(props, env), warnings::add);

    assertThat(s.bool(MeshProbeKey.ENABLED)).isTrue();
    assertThat(s.duration(MeshProbeKey.QUIT_TIMEOUT)).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.duration(MeshProbeKey.WAIT_TIMEOUT)).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.positiveDuration(MeshProbeKey.WAIT_INTERVAL)).isEqualTo(Duration.ofMillis(8));
    assertThat(s.positiveBytes(MeshProbeKey.HTTP_MAX_BODY)).isEqualTo(64L << 20);
    assertThat(s.choice(MeshProbeKey.MESH, "auto", "istio", "linkerd")).isEqualTo("auto");
    assertThat(warnings)
        .containsExactly(
            "meshprobe.enabled='maybe' is not true or false; using the default true",
            "MESHPROBE_QUIT_TIMEOUT (meshprobe.quit.timeout)='soon' is not a duration such as 500ms, 5s or 2m; using the default 2s",
            "MESHPROBE_WAIT_TIMEOUT (meshprobe.wait.timeout)='banana' is not a duration such as 500ms, 5s or 2m; using the default 60s",
            "MESHPROBE_WAIT_INTERVAL (meshprobe.wait.interval)='0s' is not a duration above zero; using the default 8ms",
            "meshprobe.http.max-body='0' is not a size above zero; using the default 64MiB",
            "meshprobe.mesh='consul' is not one of auto, istio or linkerd; using the default auto");
  }

  @Test
  void theBooleanRuleKnowsFourWordsEachWay() {
    for (String t : new String[] {"true", "YES", "on", "1", " True "}) {
      assertThat(Settings.parseBool(t)).as(t).isTrue();
    }
    for (String f : new String[] {"false", "No", "OFF", "0"}) {
      assertThat(Settings.parseBool(f)).as(f).isFalse();
    }
    for (String x : new String[] {"", "maybe", "2", "enabled"}) {
      assertThat(Settings.parseBool(x)).as(x).isNull();
    }
  }

  @Test
  void durationsAndSizesAsPeopleWriteThem() {
    assertThat(Durations.parse("k", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("k", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("k", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("k", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("k", "PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThat(Durations.parse("k", "250")).isEqualTo(Duration.ofMillis(250));
    assertThatThrownBy(() -> Durations.parse("k", "-1s")).hasMessageContaining("must not be negative");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(Durations.format(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(Durations.format(Duration.ofMillis(8))).isEqualTo("8ms");

    assertThat(Bytes.parse("k", "64MiB")).isEqualTo(64L << 20);
    assertThat(Bytes.parse("k", "16kb")).isEqualTo(16L << 10);
    assertThat(Bytes.parse("k", "1000")).isEqualTo(1000L);
    assertThatThrownBy(() -> Bytes.parse("k", "lots")).hasMessageContaining("'lots'");
  }

  @Test
  void urlsMustBeHttpAndLoopbackUnlessRemoteIsAllowed() {
    assertThat(Urls.checked("k", "http://127.0.0.1:15020/", false)).isEqualTo("http://127.0.0.1:15020");
    assertThat(Urls.checked("k", "http://localhost:4191", false)).isEqualTo("http://localhost:4191");
    assertThat(Urls.checked("k", "http://[::1]:15000", false)).isEqualTo("http://[::1]:15000");
    assertThat(Urls.checked("k", "http://127.0.0.2:9901", false)).isEqualTo("http://127.0.0.2:9901");
    assertThatThrownBy(() -> Urls.checked("meshprobe.istio.status-url", "http://10.1.2.3:15020", false))
        .hasMessageContaining("must point at loopback")
        .hasMessageContaining("meshprobe.admin.allow-remote=true");
    assertThatThrownBy(() -> Urls.checked("k", "http://proxy.example:15020", false)).hasMessageContaining("loopback");
    assertThat(Urls.checked("k", "http://10.1.2.3:15020", true)).isEqualTo("http://10.1.2.3:15020");
    assertThatThrownBy(() -> Urls.checked("k", "https://127.0.0.1:15000", true)).hasMessageContaining("http://");
    assertThatThrownBy(() -> Urls.checked("k", "not a url", true)).isInstanceOf(IllegalArgumentException.class);
  }
}
