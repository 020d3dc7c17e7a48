package io.meshprobe.reliability;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.WaitResult;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;

/**
 * The app of {@link FaultMatrixTest}'s exit rows, run in a forked JVM: builds a probe from {@code -Dmeshprobe.*}
 * (aimed at a fake sidecar that never turns ready), prints {@link #MARKER} once the wait has started and keeps
 * waiting. With the argument {@code exit}, a second thread then calls {@code System.exit(7)}; with {@code sigterm}
 * the test ends the JVM with SIGTERM.
 */
public final class ExitDuringWaitMain {
  static final String MARKER = "exit-cell: waiting";
  static final int EXIT_CODE = 7;

  private ExitDuringWaitMain() {}

  public static void main(String[] args) throws Exception {
    CountDownLatch waiting = new CountDownLatch(1);
    MeshProbe probe =
        MeshProbe.builder()
            .listener(
                new MeshProbeListener() {
                  @Override
                  public void onWaiting(Detection detection, Duration waited, @Nullable String lastAnswer) {
                    if (waiting.getCount() > 0) {
                      System.out.println(MARKER + " for the " + detection.mesh() + " proxy");
                      System.out.flush();
                      waiting.countDown();
                    }
                  }
                })
            .build();
    if (args.length > 0 && args[0].equals("exit")) {
      Thread exit =
          new Thread(
              () -> {
                try {
                  waiting.await();
                  System.exit(EXIT_CODE);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "exit-" + EXIT_CODE);
      exit.setDaemon(true);
      exit.start();
    }
    WaitResult r = probe.awaitReady();
    // Reached only if the JVM was not ended during the wait: the test reports it as a failed cell.
    System.out.println("exit-cell: the wait returned " + r.outcome());
  }
}
