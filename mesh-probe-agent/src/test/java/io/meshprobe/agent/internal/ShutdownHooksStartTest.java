package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the read of the JDK's hook map is started: once, on a thread the JVM waits for, then the follow-up on a daemon. */
class ShutdownHooksStartTest {
  @Test
  void startsOnceOnANonDaemonThreadAndHandsTheFollowUpToADaemon() throws Exception {
    List<String> seen = Collections.synchronizedList(new ArrayList<String>());
    CountDownLatch done = new CountDownLatch(1);
    Thread[] readThread = new Thread[1];
    Runnable then =
        () -> {
          Thread t = Thread.currentThread();
          seen.add(t.getName() + " daemon=" + t.isDaemon() + " loader=" + t.getContextClassLoader());
          done.countDown();
        };
    // No Instrumentation here: java.lang cannot be opened, so the read fails (one debug line) and nothing is held;
    // the follow-up still runs.
    ShutdownHooks.Capture capture =
        new ShutdownHooks.Capture(null, then) {
          @Override
          public void run() {
            readThread[0] = Thread.currentThread();
            super.run();
          }
        };
    capture.start();
    capture.start();
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    readThread[0].join(30_000);
    assertThat(readThread[0].getName()).isEqualTo("mesh-probe-hooks");
    assertThat(readThread[0].isDaemon()).as("the JVM waits for the read").isFalse();
    assertThat(seen).containsExactly("mesh-probe-warm daemon=true loader=null");
    assertThat(capture.hooks()).isNull();
    assertThat(System.getProperties()).as("the reader's hand-over key is gone").doesNotContainKey(ShutdownHooks.HOOK_MAP_READER_KEY);
  }
}
