package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitWatchTest {
  @Test
  void theJdksSignalHandlerThreadNamesMapToTheirExitStatus() {
    assertThat(ExitWatch.signalStatus("SIGTERM handler")).isEqualTo(143);
    assertThat(ExitWatch.signalStatus("SIGINT handler")).isEqualTo(130);
    assertThat(ExitWatch.signalStatus("SIGHUP handler")).isEqualTo(129);
    assertThat(ExitWatch.signalStatus("main")).isZero();
  }

  @Test
  void withNoThreadInShutdownExitTheJvmEndsOnItsOwnWithCodeZero() {
    ExitWatch w = new ExitWatch(Thread.currentThread());
    w.inferFromThreads(); // nothing is exiting in this test JVM
    assertThat(w.signal()).isNull();
    assertThat(w.exitCode()).isZero();
  }

  @Test
  void aPatchedStatusIsTheExitCode() {
    ExitWatch w = new ExitWatch(Thread.currentThread());
    w.apply(3);
    w.apply(0); // only the first exit call counts
    w.inferFromThreads();
    assertThat(w.exitCode()).isEqualTo(3);
    assertThat(w.signal()).isNull();
    ExitWatch term = new ExitWatch(Thread.currentThread());
    term.apply(143);
    assertThat(term.signal()).isEqualTo("SIGTERM");
  }
}
