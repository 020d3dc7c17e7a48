package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the shutdown-hooks patch is started: once, on a thread the JVM waits for, then the follow-up on a daemon. */
class ShutdownHooksStartTest {
  @Test
  void startsOnceOnANonDaemonThreadAndHandsTheFollowUpToADaemon() throws Exception {
    List<String> seen = Collections.synchronizedList(new ArrayList<String>());
    CountDownLatch done = new CountDownLatch(1);
    Thread[] patchThread = new Thread[1];
    Runnable then =
        () -> {
          Thread t = Thread.currentThread();
          seen.add(t.getName() + " daemon=" + t.isDaemon() + " loader=" + t.getContextClassLoader());
          done.countDown();
        };
    // No Instrumentation here: the patch itself fails (one debug line) and the receiver stays null, as on a JVM
    // without retransform support; the follow-up still runs.
    ShutdownHooks.Patch patch =
        new ShutdownHooks.Patch(null, new JdkPatcher(), then) {
          @Override
          public void run() {
            patchThread[0] = Thread.currentThread();
            super.run();
          }
        };
    patch.start();
    patch.start();
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    patchThread[0].join(30_000);
    assertThat(patchThread[0].getName()).isEqualTo("mesh-probe-hooks");
    assertThat(patchThread[0].isDaemon()).as("the JVM waits for the patch").isFalse();
    assertThat(seen).containsExactly("mesh-probe-warm daemon=true loader=null");
    assertThat(patch.hooks()).isNull();
    assertThat(System.getProperties()).doesNotContainKey(JdkPatcher.SHUTDOWN_HOOKS);
  }
}
