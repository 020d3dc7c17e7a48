package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The poll schedule: the configured interval for the first 2 s of a wait, then slower with the time waited, up to 2.5×. */
class ReadinessPauseTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void fastFirstThenSlowerUpToTwoAndAHalfIntervals() {
    assertThat(ReadinessCheck.pause(8 * MS, 0, false)).isEqualTo(8 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 2000 * MS, false)).isEqualTo(8 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 3000 * MS, false)).isEqualTo(12 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 5000 * MS, false)).isEqualTo(20 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 600_000 * MS, false)).isEqualTo(20 * MS);
  }

  @Test
  void aRefusingProxyIsAskedTwiceAsOften() {
    assertThat(ReadinessCheck.pause(8 * MS, 100 * MS, true)).isEqualTo(4 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 60_000 * MS, true)).isEqualTo(10 * MS);
  }
}
