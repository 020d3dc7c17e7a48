package io.meshprobe.internal.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import io.meshprobe.internal.AdminHttp;
import io.meshprobe.internal.MeshProbeKey;
import io.meshprobe.internal.ProbeConfig;
import io.meshprobe.internal.Settings;
import io.meshprobe.status.MeshStatus;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The refresher's lifecycle contract: start and close under one lock (a start racing a close never leaves a scheduler
 * running), and a refresh on an interrupted thread or after close is discarded: returned to its caller, but neither
 * cached nor published.
 */
class StatusRefresherLifecycleTest {
  private final List<MeshStatus> published = new CopyOnWriteArrayList<>();
  private final List<StatusRefresher> made = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeAll() {
    made.forEach(StatusRefresher::close);
    Thread.interrupted(); // never leave the flag to the next test
  }

  /** No proxy to read: a refresh makes no call, so these tests are about the lifecycle alone. */
  private StatusRefresher refresher(Duration period) {
    Map<MeshProbeKey, @Nullable Object> set = new EnumMap<>(MeshProbeKey.class);
    set.put(MeshProbeKey.STATUS_REFRESH, period);
    set.put(MeshProbeKey.MESH, MeshType.NONE);
    ProbeConfig config =
        new ProbeConfig(set, Settings.Source.of(Collections.emptyMap(), Collections.emptyMap()), Paths.get("/nonexistent/proc/net"));
    AdminHttp http = new AdminHttp(config.httpTimeout, config.maxBody);
    Detection none = io.meshprobe.internal.Results.detection(MeshType.NONE, Detection.Source.CONFIGURATION, "test: no mesh").build();
    StatusRefresher r =
        new StatusRefresher(
            config, http, () -> none, d -> { throw new AssertionError("no readiness check without a sidecar"); }, (s, ready, at) -> published.add(s));
    made.add(r);
    return r;
  }

  @Test
  void aRefreshOnAnInterruptedThreadIsReturnedButNeitherCachedNorPublished() {
    StatusRefresher r = refresher(Duration.ZERO);
    Thread.currentThread().interrupt();
    MeshStatus s = r.refresh();
    assertThat(Thread.interrupted()).as("the interrupt stays set for the caller").isTrue();

    assertThat(s).isNotNull();
    assertThat(r.cached()).isNull();
    assertThat(published).isEmpty();

    MeshStatus next = r.refresh(); // not interrupted: kept and published
    assertThat(r.cached()).isSameAs(next);
    assertThat(published).containsExactly(next);
  }

  @Test
  void aRefreshAfterCloseIsNeitherCachedNorPublished() {
    StatusRefresher r = refresher(Duration.ZERO);
    MeshStatus before = r.refresh();
    r.close();

    r.refresh();

    assertThat(r.cached()).isSameAs(before);
    assertThat(published).containsExactly(before);
  }

  @Test
  void aClosedRefresherStartsNothing() {
    Set<Thread> before = statusThreads();
    StatusRefresher r = refresher(Duration.ofHours(1));
    r.close();
    assertThat(r.start()).isFalse();
    assertThat(statusThreads()).isSubsetOf(before);
  }

  @Test
  void aStartRacingACloseNeverLeavesASchedulerRunning() throws Exception {
    // An hour's period: a scheduler left running would keep its thread alive, waiting for the next tick.
    Set<Thread> before = statusThreads(); // another test's, still ending
    for (int i = 0; i < 200; i++) {
      StatusRefresher r = refresher(Duration.ofHours(1));
      CyclicBarrier both = new CyclicBarrier(2);
      Thread starter = new Thread(() -> awaitThen(both, r::start), "test-start");
      Thread closer = new Thread(() -> awaitThen(both, r::close), "test-close");
      starter.start();
      closer.start();
      starter.join(TimeUnit.SECONDS.toMillis(10));
      closer.join(TimeUnit.SECONDS.toMillis(10));
      assertThat(r.start()).as("closed is closed").isFalse();
    }
    await().atMost(10, TimeUnit.SECONDS).until(() -> before.containsAll(statusThreads()));
  }

  private static void awaitThen(CyclicBarrier barrier, Runnable action) {
    try {
      barrier.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    action.run();
  }

  private static Set<Thread> statusThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("mesh-probe-status") && t.isAlive())
        .collect(Collectors.toCollection(HashSet::new));
  }
}
