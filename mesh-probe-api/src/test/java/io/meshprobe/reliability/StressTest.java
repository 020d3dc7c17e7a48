package io.meshprobe.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.ReliabilityProbes;
import io.meshprobe.WaitOutcome;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.testkit.FakeSidecar;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;

/** Create/close cycles and concurrent status reads; the figures become a section of docs/reliability.md. */
@Tag("long") // over ~30 s on a loaded machine: `./mvnw verify -Pquick` skips it
class StressTest {
  static final int CYCLES = 1000;
  static final Map<String, String> RESULTS = new LinkedHashMap<>();

  static int fds() {
    String[] list = new File("/proc/self/fd").list();
    return list == null ? -1 : list.length;
  }

  static long sharedThreads() {
    return Harness.threads().stream().filter(t -> t.isAlive() && Harness.shared(t.getName()) && !t.getName().startsWith("fake-sidecar")).count();
  }

  @Test
  void thousandCreateCloseCyclesLeaveNoThreadOrDescriptor() throws Exception {
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().start()) {
      // Warm-up: load classes, start the JVM's shared threads once.
      for (int i = 0; i < 20; i++) {
        cycle(sidecar, i);
      }
      Set<Thread> before = Harness.threads();
      int fdsBefore = fds();
      long sharedBefore = sharedThreads();
      for (int i = 0; i < CYCLES; i++) {
        cycle(sidecar, i);
      }
      List<String> leaked = Harness.leakedThreads(before, Duration.ofSeconds(3));
      // The sidecar's connection threads end once the probe's keep-alive connections are closed by it.
      Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> fds() <= fdsBefore + 8);
      int fdsAfter = fds();
      long sharedAfter = sharedThreads();
      assertThat(leaked).isEmpty();
      assertThat(fdsAfter).isLessThanOrEqualTo(fdsBefore + 8);
      assertThat(sharedAfter).isLessThanOrEqualTo(sharedBefore + 2);
      synchronized (RESULTS) {
        RESULTS.put(
            "1,000 create/close cycles of MeshProbe (every 10th with a wait and every 50th with a status read against the fake sidecar)",
            "✅ no probe thread left; open descriptors grew by at most 8 (the JDK's keep-alive cache; the exact count varies by run)"
                + "; shared JDK daemon threads grew by at most 2 (one per process, started once)");
      }
    }
  }

  private static void cycle(FakeSidecar sidecar, int i) {
    try (MeshProbe probe = ReliabilityProbes.aimedAt(sidecar).build()) {
      if (i % 10 == 0) {
        assertThat(probe.awaitReady(Duration.ofSeconds(5)).outcome()).isEqualTo(WaitOutcome.READY);
      }
      if (i % 50 == 0) {
        probe.refreshStatus();
      }
    }
  }

  @Test
  void statusReadsDuringRefreshes() throws Exception {
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().start();
        MeshProbe probe = ReliabilityProbes.aimedAt(sidecar).build()) {
      // Detected before the readers start: they spin on both cores, and a detection racing them can miss its
      // deadline (500 ms here, one total deadline per call), which would make the verdict "no mesh" for good.
      assertThat(probe.detect().type()).isEqualTo(io.meshprobe.MeshType.ISTIO_SIDECAR);
      ExecutorService pool = Executors.newFixedThreadPool(6);
      AtomicBoolean stop = new AtomicBoolean();
      CountDownLatch started = new CountDownLatch(4);
      List<Future<Integer>> readers = new ArrayList<>();
      for (int r = 0; r < 4; r++) {
        readers.add(
            pool.submit(
                () -> {
                  started.countDown();
                  int reads = 0;
                  while (!stop.get()) {
                    MeshStatus s = probe.status();
                    if (s != null) {
                      assertThat(s.proxy().mesh()).isEqualTo("istio");
                      s.toString();
                      s.ports().size();
                    }
                    reads++;
                  }
                  return reads;
                }));
      }
      started.await();
      List<Future<MeshStatus>> refreshes = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        refreshes.add(
            pool.submit(
                () -> {
                  MeshStatus last = null;
                  for (int k = 0; k < 15; k++) {
                    last = probe.refreshStatus();
                  }
                  return last;
                }));
      }
      for (Future<MeshStatus> f : refreshes) {
        assertThat(f.get(60, TimeUnit.SECONDS).notes()).isEmpty();
      }
      stop.set(true);
      long reads = 0;
      for (Future<Integer> f : readers) {
        reads += f.get(10, TimeUnit.SECONDS);
      }
      pool.shutdownNow();
      assertThat(reads).isPositive();
      synchronized (RESULTS) {
        RESULTS.put(
            "Concurrent status reads during refreshes",
            "✅ 4 threads reading `status()` while 2 threads ran 30 `refreshStatus()` calls: no exception, every snapshot consistent (istio), every refresh complete");
      }
    }
  }

  @AfterAll
  static void render() {
    if (RESULTS.size() < 2) {
      return;
    }
    StringBuilder md = new StringBuilder("## Stress\n\n`StressTest`:\n\n| check | result |\n|---|---|\n");
    RESULTS.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    ReliabilityDoc.section("stress", md.toString());
  }
}
