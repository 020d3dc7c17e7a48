package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuitRuleTest {
  private final QuitRule.Facts facts = new QuitRule.Facts();

  @Test
  void autoQuitsWhenTheAppEndsOnItsOwn() {
    assertThat(QuitRule.decide(facts).quit).isTrue();
    facts.webApp = true; // a web app that exits without a signal (System.exit, actuator shutdown) ended on its own too
    assertThat(QuitRule.decide(facts).quit).isTrue();
  }

  @Test
  void autoNeverQuitsOnATerminationSignal() {
    facts.signal = "TERM";
    QuitRule.Decision d = QuitRule.decide(facts);
    assertThat(d.quit).isFalse();
    assertThat(d.reason).contains("SIGTERM");
  }

  @Test
  void withoutSignalsAWebAppIsTakenToBeLongRunning() {
    facts.signalsObservable = false;
    assertThat(QuitRule.decide(facts).quit).isTrue();
    facts.webApp = true;
    assertThat(QuitRule.decide(facts).quit).isFalse();
  }

  @Test
  void onFailureFalseSkipsAFailedApp() {
    facts.failed = true;
    assertThat(QuitRule.decide(facts).quit).isTrue();
    facts.quitOnFailure = false;
    assertThat(QuitRule.decide(facts).quit).isFalse();
  }

  @Test
  void alwaysQuitsEvenOnASignalAndNeverNever() {
    facts.signal = "TERM";
    facts.policy = QuitPolicy.ALWAYS;
    assertThat(QuitRule.decide(facts).quit).isTrue();
    facts.signal = null;
    facts.policy = QuitPolicy.NEVER;
    assertThat(QuitRule.decide(facts).quit).isFalse();
  }

  @Test
  void theAgentAndTestContextsNeverQuitFromTheStarter() {
    facts.policy = QuitPolicy.ALWAYS;
    facts.agentAttached = true;
    assertThat(QuitRule.decide(facts).quit).isFalse();
    facts.agentAttached = false;
    facts.policy = QuitPolicy.AUTO;
    facts.testContext = true;
    assertThat(QuitRule.decide(facts).quit).isFalse();
  }
}
