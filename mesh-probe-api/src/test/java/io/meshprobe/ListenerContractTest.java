package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.internal.Log;
import io.meshprobe.testkit.FakeSidecar;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@link MeshProbeListener} contract: a listener that throws breaks neither the probe nor the other listeners and
 * is logged once.
 */
class ListenerContractTest {
  @RegisterExtension final Closer closer = new Closer();

  private static final PrintStream QUIET = new PrintStream(new java.io.ByteArrayOutputStream());
  private final List<String> warnings = new CopyOnWriteArrayList<>();

  @AfterEach
  void restoreLog() {
    Log.redirect(null);
  }

  private static final class Throwing implements MeshProbeListener {
    @Override
    public void onDetected(Detection detection) {
      throw new IllegalStateException("onDetected broke");
    }

    @Override
    public void onWaiting(Detection detection, Duration waited, @org.jspecify.annotations.Nullable String lastAnswer) {
      throw new IllegalStateException("onWaiting broke");
    }

    @Override
    public void onWaitFinished(WaitResult result) {
      throw new IllegalStateException("onWaitFinished broke");
    }

    @Override
    public void onQuit(QuitResult result) {
      throw new IllegalStateException("onQuit broke");
    }

    @Override
    public String toString() {
      return "Throwing";
    }
  }

  @Test
  void aThrowingListenerBreaksNeitherTheProbeNorTheOthers_andIsLoggedOnce() {
    Log.redirect(
        (level, message, thrown) -> {
          if (level.intValue() >= Level.WARNING.intValue() && message.startsWith("listener ")) {
            warnings.add(message);
          }
        });
    FakeSidecar sidecar = closer.track(FakeSidecar.istio().freePorts().log(QUIET).start());
    List<String> heard = new CopyOnWriteArrayList<>();
    MeshProbe probe = closer.track(ProbeFixture.aimedAt(sidecar).mesh(MeshType.ISTIO_SIDECAR).listener(new Throwing()).build());
    probe.addListener(
        new MeshProbeListener() {
          @Override
          public void onWaitFinished(WaitResult result) {
            heard.add("wait " + result.outcome());
          }

          @Override
          public void onQuit(QuitResult result) {
            heard.add("quit " + result.outcome());
          }
        });

    assertThat(probe.awaitReady(Duration.ofSeconds(10)).outcome()).isEqualTo(WaitOutcome.READY);
    assertThat(probe.awaitReady(Duration.ofSeconds(10)).outcome()).isEqualTo(WaitOutcome.READY);
    QuitResult quit = probe.quitProxy();

    assertThat(heard).containsExactly("wait READY", "wait READY", "quit " + quit.outcome());
    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0)).startsWith("listener Throwing threw in ");
  }
}
