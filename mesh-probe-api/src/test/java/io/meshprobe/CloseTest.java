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

/** What {@link MeshProbe#close()} does to the probe's own node-info thread (its waits: {@link ProxyLivenessTest}). */
class CloseTest {
  @RegisterExtension final Closer closer = new Closer();

  private static final PrintStream QUIET = new PrintStream(new java.io.ByteArrayOutputStream());

  @Test
  void closeStopsTheNodeInfoThread_whichAsksNothingAfterItsCurrentCall() {
    // /server_info never answers: the node-info thread sits in that call until its deadline. Left alone, it would go
    // on with the quit preflight (pilot-agent's /healthz/ready); closed, it asks nothing more and ends.
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().fault("/server_info", Fault.hang()).log(QUIET).start());
    MeshProbe probe = ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).httpTimeout(Duration.ofSeconds(2)).build();
    Set<Thread> others = nodeInfoThreads(); // another test's, still ending
    assertThat(probe.awaitReady(Duration.ofSeconds(10)).outcome()).isEqualTo(WaitOutcome.READY);
    await().atMost(10, TimeUnit.SECONDS).until(() -> sidecar.requests().stream().anyMatch(r -> r.path().equals("/server_info")));
    Set<Thread> mine = nodeInfoThreads();
    mine.removeAll(others);
    // One started as the wait detected the sidecar (the early metadata read, stuck in /server_info), and once ready
    // one more for the quit preflight, which first waits for that read.
    assertThat(mine).isNotEmpty().hasSizeLessThanOrEqualTo(2);

    List<RecordedRequest> beforeClose = sidecar.requests();
    probe.close();

    await().atMost(10, TimeUnit.SECONDS).until(() -> mine.stream().noneMatch(Thread::isAlive));
    assertThat(sidecar.requests()).hasSameSizeAs(beforeClose);
    assertThat(probe.lastDetection().version()).as("no metadata read: the verdict stays as it was").isNull();
  }

  private static Set<Thread> nodeInfoThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("mesh-probe-node-info") && t.isAlive())
        .collect(Collectors.toCollection(HashSet::new));
  }
}
