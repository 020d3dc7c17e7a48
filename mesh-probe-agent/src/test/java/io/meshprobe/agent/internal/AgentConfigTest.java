package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.QuitRule;
import io.meshprobe.internal.Settings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
  @Test
  void oneBadKeyFallsBackAloneAndTheOthersStillCount() {
    Map<String, String> props = new HashMap<>();
    props.put("meshprobe.wait.mode", "sometimes");
    props.put("meshprobe.quit", "never");
    Map<String, String> env = new HashMap<>();
    env.put("MESHPROBE_QUIT_HOOKS_TIMEOUT", "banana");
    env.put("MESHPROBE_AGENT_JMX", "off");
    AgentConfig c = AgentConfig.read(Settings.Source.of(props, env));
    assertThat(c.waitMode).isEqualTo(AgentConfig.WaitMode.BLOCK);
    assertThat(c.hooksTimeout).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.quit).isEqualTo(QuitRule.Policy.NEVER);
    assertThat(c.jmx).isFalse();
    assertThat(c.metrics).isTrue();
  }
}
