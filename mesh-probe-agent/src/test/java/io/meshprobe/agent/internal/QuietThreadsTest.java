package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The agent's own threads never print a stack trace or an OutOfMemoryError line of their own. */
class QuietThreadsTest {
  private static String stderrOf(Runnable body) throws InterruptedException {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true));
    try {
      Thread t = AgentStarter.daemon("mesh-probe-test", body);
      t.start();
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
    } finally {
      System.setErr(old);
    }
    return new String(buf.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  void aThreadDyingOfOutOfMemoryPrintsNothingAtTheDefaultLevel() throws InterruptedException {
    assertThat(stderrOf(() -> { throw new OutOfMemoryError("Java heap space"); })).isEmpty();
  }

  @Test
  void anyOtherFailureIsOneShortLine() throws InterruptedException {
    assertThat(stderrOf(() -> { throw new IllegalStateException("boom"); }))
        .isEqualTo("mesh-probe: mesh-probe-test failed: IllegalStateException: boom" + System.lineSeparator());
  }
}
