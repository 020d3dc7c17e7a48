package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.QuitRule.Facts;
import io.meshprobe.QuitRule.Policy;
import io.meshprobe.QuitRule.Workload;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuitRuleTest {
  private static boolean quits(Facts.Builder f) {
    return QuitRule.decide(f.build()).quit();
  }

  @Test
  void autoQuitsWhenTheAppEndsOnItsOwnAndNotOnASignal() {
    Facts.Builder f = Facts.builder();
    assertThat(quits(f)).isTrue();
    f.serves(true); // a server that exits without a signal (System.exit, actuator shutdown) ended on its own too
    assertThat(quits(f)).isTrue();
    f.signal("TERM");
    QuitRule.Decision d = QuitRule.decide(f.build());
    assertThat(d.quit()).isFalse();
    assertThat(d.reason()).contains("SIGTERM");
  }

  @Test
  void aJvmThatDoesNotOwnThePodsQuitNeverQuitsInAuto() {
    Facts.Builder f = Facts.builder().owner(false, "entered by exec");
    QuitRule.Decision d = QuitRule.decide(f.build());
    assertThat(d.quit()).isFalse();
    assertThat(d.reason()).contains("does not own").contains("entered by exec").contains("meshprobe.quit.owner=true");
    assertThat(quits(f.policy(Policy.ALWAYS))).as("always still forces it").isTrue();
  }

  @Test
  void aServiceNeverQuitsInAutoEvenWhenItFails() {
    Facts.Builder f = Facts.builder().workload(Workload.SERVICE, "pod labels").serves(true).startupFailed(true);
    assertThat(quits(f)).isFalse();
    assertThat(quits(f.startupFailed(false).failed(false))).isFalse();
    assertThat(quits(f.policy(Policy.ALWAYS))).isTrue();
  }

  @Test
  void aDeploymentLabelledWebAppFailingAtStartUpSendsNoQuit() {
    Facts.Builder f = Facts.builder().workload(Workload.fromLabels(Collections.singletonMap("pod-template-hash", "7d9f")), "pod labels");
    f.serves(true).startupFailed(true);
    assertThat(f.build().workload()).isEqualTo(Workload.SERVICE);
    assertThat(quits(f)).isFalse();
  }

  @Test
  void aJobPodsAppThatFailsQuitsUnlessOnFailureIsFalse() {
    Facts.Builder f = Facts.builder().workload(Workload.fromLabels(Collections.singletonMap("batch.kubernetes.io/job-name", "report")), "pod labels");
    f.serves(true).startupFailed(true);
    assertThat(f.build().workload()).isEqualTo(Workload.JOB);
    QuitRule.Decision d = QuitRule.decide(f.build());
    assertThat(d.quit()).isTrue();
    assertThat(d.reason()).contains("Job's work is over (failed)");
    assertThat(quits(f.quitOnFailure(false))).isFalse();
    assertThat(quits(f.startupFailed(false).failed(false))).as("succeeded").isTrue();
    assertThat(quits(f.failed(null))).as("status unknown with on-failure=false").isFalse();
  }

  @Test
  void withoutWorkloadKnowledgeAServingAppThatFailedAtStartUpSendsNoQuit() {
    Facts.Builder f = Facts.builder().serves(true).startupFailed(true);
    QuitRule.Decision d = QuitRule.decide(f.build());
    assertThat(d.quit()).isFalse();
    assertThat(d.reason()).contains("failed at start-up").contains("meshprobe.workload=job");
    // today's rules otherwise: a job that does not serve and fails still quits; a server failing later quits too
    assertThat(quits(Facts.builder().startupFailed(true))).isTrue();
    assertThat(quits(Facts.builder().serves(true).failed(true))).isTrue();
  }

  @Test
  void whenSignalsCannotBeObservedAnAppThatServesIsTakenToBeAService() {
    Facts.Builder f = Facts.builder().signalsObservable(false);
    assertThat(quits(f)).isTrue();
    assertThat(quits(f.serves(true))).isFalse();
    assertThat(quits(f.workload(Workload.JOB, "meshprobe.workload=job"))).as("unless it is known to be a Job").isTrue();
  }

  @Test
  void onFailureFalseSkipsFailedAndUnknownEnds() {
    Facts.Builder f = Facts.builder().failed(true);
    assertThat(quits(f)).isTrue();
    assertThat(quits(f.quitOnFailure(false))).isFalse();
    assertThat(quits(f.failed(null))).isFalse();
    assertThat(quits(f.failed(false))).isTrue();
  }

  @Test
  void alwaysAndNeverWinOverEverythingButAnotherOwner() {
    Facts.Builder f = Facts.builder().signal("TERM").policy(Policy.ALWAYS);
    assertThat(quits(f)).isTrue();
    assertThat(quits(f.signal(null).policy(Policy.NEVER))).isFalse();
    assertThat(quits(f.policy(Policy.ALWAYS).managedBy("the mesh-probe agent"))).isFalse();
    assertThat(quits(f.managedBy(null).policy(Policy.AUTO).testContext(true))).isFalse();
  }

  @Test
  void valuesParseInAnyCase() {
    assertThat(Policy.parse(" Always ")).isEqualTo(Policy.ALWAYS);
    assertThat(Policy.parse("sometimes")).isNull();
    assertThat(Workload.parse("JOB")).isEqualTo(Workload.JOB);
    assertThat(Workload.parse("auto")).isEqualTo(Workload.UNKNOWN);
    assertThat(Workload.parse("cron")).isNull();
    Map<String, String> labels = new HashMap<>();
    assertThat(Workload.fromLabels(labels)).isEqualTo(Workload.UNKNOWN);
    labels.put("controller-revision-hash", "sts-1");
    assertThat(Workload.fromLabels(labels)).isEqualTo(Workload.SERVICE);
    labels.put("job-name", "nightly");
    assertThat(Workload.fromLabels(labels)).isEqualTo(Workload.JOB);
  }

  @Test
  void factsComeFromTheSettingsAndThePodLabels(@TempDir Path podinfo) throws IOException {
    Files.write(podinfo.resolve("labels"), "app=\"orders\"\npod-template-hash=\"5c7d\"\n".getBytes(StandardCharsets.UTF_8));
    Map<String, String> props = new HashMap<>();
    MeshProbe.Builder b = MeshProbe.builder().podInfoDir(podinfo);
    b.source = io.meshprobe.internal.Settings.Source.of(props, new HashMap<>());
    try (MeshProbe probe = b.build()) {
      Facts f = QuitRule.facts(probe).build();
      assertThat(f.workload()).isEqualTo(Workload.SERVICE);
      assertThat(f.workloadSource()).contains("pod labels");
      assertThat(f.owner()).as("not in Kubernetes: every JVM owns its quit").isTrue();
      assertThat(f.policy()).isEqualTo(Policy.AUTO);

      props.put("meshprobe.workload", "job");
      props.put("meshprobe.quit", "never");
      props.put("meshprobe.quit.owner", "false");
      props.put("meshprobe.quit.on-failure", "false");
      f = QuitRule.facts(probe).build();
      assertThat(f.workload()).isEqualTo(Workload.JOB);
      assertThat(f.workloadSource()).isEqualTo("meshprobe.workload=job");
      assertThat(f.policy()).isEqualTo(Policy.NEVER);
      assertThat(f.owner()).isFalse();
      assertThat(f.quitOnFailure()).isFalse();
    }
  }
}
