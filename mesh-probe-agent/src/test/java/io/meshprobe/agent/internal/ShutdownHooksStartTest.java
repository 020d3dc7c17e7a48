package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How the JDK's hook map is read: once, on a thread the JVM waits for, then the follow-up on a daemon. */
class ShutdownHooksStartTest {
  @Test
  void theReaderIsDefinedInALoaderOfItsOwnAndOpensJavaLangToThatLoaderAlone() {
    List<Object[]> calls = Collections.synchronizedList(new ArrayList<Object[]>());
    Instrumentation inst =
        (Instrumentation)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {Instrumentation.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("redefineModule")) {
                    calls.add(args);
                  }
                  return null;
                });
    // This Instrumentation opens nothing itself; what matters is what the reader asked it to open, and to whom.
    ShutdownHooks.capture(inst);
    assertThat(calls).hasSize(1);
    Object[] args = calls.get(0);
    assertThat(args[0]).isEqualTo(Object.class.getModule());
    @SuppressWarnings("unchecked")
    Map<String, Set<Module>> opens = (Map<String, Set<Module>>) args[3];
    assertThat(opens).containsOnlyKeys("java.lang");
    assertThat(opens.get("java.lang")).hasSize(1);
    Module to = opens.get("java.lang").iterator().next();
    assertThat(to.isNamed()).isFalse();
    assertThat(to).as("not the module of the agent's (and the app's) loader").isNotEqualTo(ShutdownHooks.class.getModule());
    assertThat(to.getClassLoader()).isNotNull().isNotSameAs(ShutdownHooks.class.getClassLoader());
    assertThat(to.getClassLoader().getParent()).as("the boot loader: the reader sees JDK types only").isNull();
    assertThat(args[1]).isEqualTo(Collections.emptySet());
    assertThat(args[2]).isEqualTo(Collections.emptyMap());
    assertThat(args[4]).isEqualTo(Collections.emptySet());
    assertThat(args[5]).isEqualTo(Collections.emptyMap());
    assertThat(System.getProperties()).as("the reader's hand-over key is gone").doesNotContainKey(ShutdownHooks.HOOK_MAP_READER_KEY);
  }

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
