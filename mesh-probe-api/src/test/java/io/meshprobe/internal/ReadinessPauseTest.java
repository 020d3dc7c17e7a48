package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The poll schedule of {@link ReadinessCheck#pause}'s Javadoc: the interval for the first 2 s of a wait, in proportion
 * to the time waited up to 3 s, then with its cube, up to 12.5 intervals.
 */
class ReadinessPauseTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  @Test
  void theIntervalForTheFirstTwoSeconds() {
    assertThat(ReadinessCheck.pause(8 * MS, 0, false)).isEqualTo(8 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 1000 * MS, false)).isEqualTo(8 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 2000 * MS, false)).isEqualTo(8 * MS);
  }

  @Test
  void thenInProportionToTheTimeWaitedUpToOneAndAHalfIntervalsAtThreeSeconds() {
    assertThat(ReadinessCheck.pause(8 * MS, 2500 * MS, false)).isEqualTo(10 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 3000 * MS, false)).isEqualTo(12 * MS);
  }

  @Test
  void thenWithTheCubeOfTheTimeWaitedUpToTwelveAndAHalfIntervals() {
    assertThat(ReadinessCheck.pause(8 * MS, 6000 * MS, false)).isEqualTo(96 * MS); // 12 ms × 2³
    assertThat(ReadinessCheck.pause(8 * MS, 6500 * MS, false)).isEqualTo(100 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 600_000 * MS, false)).isEqualTo(100 * MS);
    // Never shorter as the wait goes on.
    long previous = 0;
    for (long waited = 0; waited <= 10_000 * MS; waited += 50 * MS) {
      long pause = ReadinessCheck.pause(8 * MS, waited, false);
      assertThat(pause).isGreaterThanOrEqualTo(previous);
      previous = pause;
    }
  }

  @Test
  void everyPhaseScalesWithTheInterval() {
    assertThat(ReadinessCheck.pause(20 * MS, 1000 * MS, false)).isEqualTo(20 * MS);
    assertThat(ReadinessCheck.pause(20 * MS, 3000 * MS, false)).isEqualTo(30 * MS);
    assertThat(ReadinessCheck.pause(20 * MS, 600_000 * MS, false)).isEqualTo(250 * MS);
  }

  @Test
  void aRefusingProxyIsAskedTwiceAsOften() {
    assertThat(ReadinessCheck.pause(8 * MS, 100 * MS, true)).isEqualTo(4 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 3000 * MS, true)).isEqualTo(6 * MS);
    assertThat(ReadinessCheck.pause(8 * MS, 60_000 * MS, true)).isEqualTo(50 * MS);
  }
}
