package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.RecordedRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What {@link MeshProbe#close()} does to a wait's tail thread, which reads the node metadata (its waits: {@link ProxyLivenessTest}). */
class CloseTest {
  @RegisterExtension final Closer closer = new Closer();

  private static final PrintStream QUIET = new PrintStream(new java.io.ByteArrayOutputStream());

  @Test
  void closeStopsTheWaitTail_whichAsksNothingAfterItsCurrentCall() {
    // /server_info never answers: the wait's tail thread sits in that call until its deadline. Left alone, it would go
    // on with the quit preflight (pilot-agent's /healthz/ready); closed, it asks nothing more and ends.
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().fault("/server_info", Fault.hang()).log(QUIET).start());
    MeshProbe probe = ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).httpTimeout(Duration.ofSeconds(2)).build();
    Set<Thread> others = tailThreads(); // another test's, still ending
    assertThat(probe.awaitReady(Duration.ofSeconds(10)).outcome()).isEqualTo(WaitOutcome.READY);
    await().atMost(10, TimeUnit.SECONDS).until(() -> sidecar.requests().stream().anyMatch(r -> r.path().equals("/server_info")));
    Set<Thread> mine = tailThreads();
    mine.removeAll(others);
    // One, started as the wait detected the sidecar (the early metadata read, stuck in /server_info); once ready, the
    // same thread would run the quit preflight after that read.
    assertThat(mine).hasSize(1);

    List<RecordedRequest> beforeClose = sidecar.requests();
    probe.close();

    await().atMost(10, TimeUnit.SECONDS).until(() -> mine.stream().noneMatch(Thread::isAlive));
    assertThat(sidecar.requests()).hasSameSizeAs(beforeClose);
    assertThat(probe.lastDetection().version()).as("no metadata read: the verdict stays as it was").isNull();
  }

  private static Set<Thread> tailThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("mesh-probe-wait-tail") && t.isAlive())
        .collect(Collectors.toCollection(HashSet::new));
  }
}
