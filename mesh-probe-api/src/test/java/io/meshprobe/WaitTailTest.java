package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.testkit.FakeSidecar;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The caller of a wait that sees the proxy ready does only what it needs: it publishes the result and tells the
 * listeners, then returns. It starts no thread and closes no socket: the wait's tail thread, started while the proxy
 * was not ready yet, closes the poll's kept-alive connection and runs the quit preflight afterwards.
 */
class WaitTailTest {
  @RegisterExtension final Closer closer = new Closer();

  private static final PrintStream QUIET = new PrintStream(new java.io.ByteArrayOutputStream());

  /** Makes the tails' threads, recording who asked for one, and holds each tail until released. */
  static final class HeldTails implements ThreadFactory {
    final List<Thread> askedBy = new CopyOnWriteArrayList<>();
    final List<Thread> made = new CopyOnWriteArrayList<>();
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public Thread newThread(Runnable tail) {
      askedBy.add(Thread.currentThread());
      Thread t =
          new Thread(
              () -> {
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                tail.run();
              });
      made.add(t);
      return t;
    }
  }

  @Test
  void istio_theCallerStartsNoThreadAndClosesNoSocketAfterTheProxyAnswersReady() throws Exception {
    callerDoesNoTailWork(FakeSidecar.istio());
  }

  @Test
  void linkerd_theCallerStartsNoThreadAndClosesNoSocketAfterTheProxyAnswersReady() throws Exception {
    callerDoesNoTailWork(FakeSidecar.linkerd());
  }

  @Test
  void envoy_theCallerStartsNoThreadAndClosesNoSocketAfterTheProxyAnswersReady() throws Exception {
    callerDoesNoTailWork(FakeSidecar.envoy());
  }

  private void callerDoesNoTailWork(FakeSidecar.Builder kind) throws Exception {
    FakeSidecar sidecar = closer.track(kind.freePorts().readyManually().log(QUIET).start());
    HeldTails tails = new HeldTails();
    AtomicInteger idleWhenListenersHeard = new AtomicInteger(-1);
    AtomicInteger tailsWhenListenersHeard = new AtomicInteger(-1);
    MeshProbe.Builder b = ProbeFixture.aimedAt(sidecar).waitTimeout(Duration.ofSeconds(20));
    b.threads = tails;
    MeshProbe[] holder = new MeshProbe[1];
    b.listener(
        new MeshProbeListener() {
          @Override
          public void onWaitFinished(WaitResult result) {
            // On the caller's thread, the last thing it does before it returns.
            idleWhenListenersHeard.set(holder[0].http().idleConnections());
            tailsWhenListenersHeard.set(tails.askedBy.size());
          }
        });
    MeshProbe probe = closer.track(b.build());
    holder[0] = probe;

    CompletableFuture<WaitResult> wait = new CompletableFuture<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                wait.complete(probe.awaitReady());
              } catch (Throwable t) {
                wait.completeExceptionally(t);
              }
            },
            "the-caller");
    caller.start();

    // The wait polls and the proxy is not ready: its tail is there already, asked for by the caller.
    await().atMost(10, TimeUnit.SECONDS).until(() -> tails.askedBy.size() == 1);
    assertThat(tails.askedBy).containsExactly(caller);
    assertThat(wait).isNotDone();
    sidecar.becomeReady();

    WaitResult result = wait.get(10, TimeUnit.SECONDS);
    assertThat(result.outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(probe.isReady()).isTrue();
    assertThat(tailsWhenListenersHeard.get()).as("threads asked for once the proxy was ready").isEqualTo(1);
    assertThat(tails.askedBy).hasSize(1);
    // The poll's kept-alive connection (and the detection's, if it asked another port), left open by the caller.
    assertThat(idleWhenListenersHeard.get()).as("kept-alive connections when the listeners heard").isPositive();

    // The tail, released, closes it and ends.
    tails.release.countDown();
    await().atMost(10, TimeUnit.SECONDS).until(() -> tails.made.stream().noneMatch(Thread::isAlive));
    assertThat(probe.http().idleConnections()).isZero();
  }

  @Test
  void aProxyReadyAtTheFirstPollHasItsConnectionClosedByATailStartedThen() throws Exception {
    FakeSidecar sidecar = closer.track(FakeSidecar.linkerd().freePorts().log(QUIET).start());
    HeldTails tails = new HeldTails();
    MeshProbe.Builder b = ProbeFixture.aimedAt(sidecar);
    b.threads = tails;
    MeshProbe probe = closer.track(b.build());

    assertThat(probe.awaitReady(Duration.ofSeconds(10)).outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(tails.askedBy).containsExactly(Thread.currentThread());

    tails.release.countDown();
    await().atMost(10, TimeUnit.SECONDS).until(() -> tails.made.stream().noneMatch(Thread::isAlive));
    assertThat(probe.http().idleConnections()).isZero();
  }

  @Test
  void aTimedOutWaitEndsItsTailAndClosesThePollConnection() throws Exception {
    FakeSidecar sidecar = closer.track(FakeSidecar.linkerd().freePorts().readyManually().log(QUIET).start());
    HeldTails tails = new HeldTails();
    tails.release.countDown();
    MeshProbe.Builder b = ProbeFixture.aimedAt(sidecar);
    b.threads = tails;
    MeshProbe probe = closer.track(b.build());

    assertThat(probe.awaitReady(Duration.ofMillis(300)).outcome()).isEqualTo(WaitOutcome.TIMED_OUT);
    int asked = sidecar.requests().size();

    assertThat(tails.made).hasSize(1);
    await().atMost(10, TimeUnit.SECONDS).until(() -> tails.made.stream().noneMatch(Thread::isAlive));
    assertThat(probe.http().idleConnections()).isZero();
    // No preflight without a ready proxy: the tail asked nothing.
    assertThat(sidecar.requests()).hasSize(asked);
  }
}
