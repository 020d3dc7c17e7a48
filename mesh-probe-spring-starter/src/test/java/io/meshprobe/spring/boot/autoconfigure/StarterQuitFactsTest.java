package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.QuitRule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.web.context.support.GenericWebApplicationContext;

/**
 * The library's one quit rule as the starter feeds it (it used to have a rule of its own): the cases of the starter's
 * old rule, and what Boot's environment and the pod labels add.
 */
class StarterQuitFactsTest {
  private final QuitRule.Facts.Builder facts = QuitRule.Facts.builder();

  private boolean quits() {
    return QuitRule.decide(facts.build()).quit();
  }

  @Test
  void autoQuitsWhenTheAppEndsOnItsOwn() {
    assertThat(quits()).isTrue();
    facts.serves(true); // a web app that exits without a signal (System.exit, actuator shutdown) ended on its own too
    assertThat(quits()).isTrue();
  }

  @Test
  void autoNeverQuitsOnATerminationSignal() {
    facts.signal("TERM");
    QuitRule.Decision d = QuitRule.decide(facts.build());
    assertThat(d.quit()).isFalse();
    assertThat(d.reason()).contains("SIGTERM");
  }

  @Test
  void withoutSignalsAWebAppIsTakenToBeLongRunning() {
    facts.signalsObservable(false);
    assertThat(quits()).isTrue();
    facts.serves(true);
    assertThat(quits()).isFalse();
  }

  @Test
  void onFailureFalseSkipsAFailedApp() {
    facts.failed(true);
    assertThat(quits()).isTrue();
    facts.quitOnFailure(false);
    assertThat(quits()).isFalse();
  }

  @Test
  void alwaysQuitsEvenOnASignalAndNeverNever() {
    facts.signal("TERM").policy(QuitPolicy.ALWAYS.rule());
    assertThat(quits()).isTrue();
    facts.signal(null).policy(QuitPolicy.NEVER.rule());
    assertThat(quits()).isFalse();
  }

  @Test
  void theAgentAndTestContextsNeverQuitFromTheStarter() {
    facts.policy(QuitRule.Policy.ALWAYS).managedBy("the mesh-probe agent");
    assertThat(quits()).isFalse();
    facts.managedBy(null).policy(QuitRule.Policy.AUTO).testContext(true);
    assertThat(quits()).isFalse();
  }

  @Test
  void aWebAppInADeploymentPodThatFailsAtStartUpSendsNoQuitAndAJobPodsAppDoes(@TempDir Path podinfo) throws Exception {
    Path labels = podinfo.resolve("labels");
    MeshProbeProperties properties = new MeshProbeProperties();
    properties.getPodinfo().setDir(podinfo.toString());
    StandardEnvironment env = new StandardEnvironment();
    try (MeshProbe probe = MeshProbes.create(properties);
        GenericWebApplicationContext web = new GenericWebApplicationContext()) {
      Files.write(labels, "pod-template-hash=\"7d9f8c\"\n".getBytes(StandardCharsets.UTF_8));
      QuitRule.Facts.Builder f = MeshProbeStartupInitializer.quitFacts(probe, env, web, false, properties);
      assertThat(f.build().serves()).isTrue();
      assertThat(QuitRule.decide(f.startupFailed(true).build()).quit()).isFalse();

      Files.write(labels, "batch.kubernetes.io/job-name=\"nightly\"\n".getBytes(StandardCharsets.UTF_8));
      f = MeshProbeStartupInitializer.quitFacts(probe, env, web, false, properties);
      assertThat(QuitRule.decide(f.startupFailed(true).build()).quit()).isTrue();
      properties.getQuit().setOnFailure(false);
      f = MeshProbeStartupInitializer.quitFacts(probe, env, web, false, properties);
      assertThat(QuitRule.decide(f.startupFailed(true).build()).quit()).isFalse();
    }
  }

  @Test
  void bootsEnvironmentSetsTheWorkloadAndTheOwner() {
    StandardEnvironment env = new StandardEnvironment();
    env.getPropertySources().addFirst(new MapPropertySource("yml", Map.of("meshprobe.workload", "service", "meshprobe.quit.owner", "false")));
    MeshProbeProperties properties = new MeshProbeProperties();
    try (MeshProbe probe = MeshProbes.create(properties);
        GenericApplicationContext plain = new GenericApplicationContext()) {
      QuitRule.Facts f = MeshProbeStartupInitializer.quitFacts(probe, env, plain, false, properties).build();
      assertThat(f.workload()).isEqualTo(QuitRule.Workload.SERVICE);
      assertThat(f.workloadSource()).isEqualTo("meshprobe.workload=service");
      assertThat(f.owner()).isFalse();
      assertThat(f.serves()).isFalse();
    }
  }
}
