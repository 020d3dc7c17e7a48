package io.meshprobe.internal.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The short fuzz run of the normal build: the same mutations as {@link ParserFuzzTest}, driven by a seeded
 * random (reproducible: the seed is in the failure message), a fixed number of inputs per parser.
 */
class ParserFuzzShortTest {
  static final int INPUTS = Integer.getInteger("meshprobe.fuzz.inputs", 2000);
  static final long SEED = Long.getLong("meshprobe.fuzz.seed", 0x5EEDL);
  static final Map<ParserFuzz.Target, String> RESULTS = new ConcurrentHashMap<>();

  @ParameterizedTest
  @EnumSource(ParserFuzz.Target.class)
  void noUndeclaredException(ParserFuzz.Target target) {
    byte[][] seeds = target.seeds();
    Random random = new Random(SEED ^ target.ordinal());
    ParserFuzz.Choices choices =
        new ParserFuzz.Choices() {
          @Override
          public int pick(int n) {
            return n <= 1 ? 0 : random.nextInt(n);
          }

          @Override
          public byte[] bytes(int max) {
            byte[] b = new byte[random.nextInt(max + 1)];
            random.nextBytes(b);
            return b;
          }
        };
    List<String> bugs = new ArrayList<>();
    int rejected = 0;
    long start = System.nanoTime();
    for (int i = 0; i < INPUTS; i++) {
      byte[] input = ParserFuzz.input(target, seeds, choices);
      try {
        target.parse(input);
      } catch (IOException expected) {
        rejected++;
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        bugs.add("input #" + i + " (seed " + SEED + "): " + e + " at " + Arrays.toString(Arrays.copyOf(e.getStackTrace(), 3)));
      }
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    RESULTS.put(
        target,
        INPUTS + " inputs, " + rejected * 100 / INPUTS + " % rejected with an IOException, " + bugs.size() + " undeclared exceptions");
    System.out.println(target + ": " + INPUTS + " inputs in " + ms + " ms");
    assertThat(bugs).as(target + ": undeclared exceptions").isEmpty();
  }

  @AfterAll
  static void render() {
    if (RESULTS.size() < ParserFuzz.Target.values().length) {
      return;
    }
    StringBuilder md = new StringBuilder("## Fuzzing, short run (every build)\n\n");
    md.append("`ParserFuzzShortTest`: ").append(INPUTS)
        .append(" inputs per parser from the fixtures, mutated by truncation, bit flips, splices between payloads, deep")
        .append(" nesting (up to 20,000 levels), huge numbers and strings, overwritten runs and random PEM blocks; seeded")
        .append(" random (seed ").append(SEED).append("). Goal: only `IOException` (malformed input) may come out.\n\n")
        .append("| parser | result |\n|---|---|\n");
    for (ParserFuzz.Target t : ParserFuzz.Target.values()) {
      md.append("| ").append(t.name().toLowerCase().replace('_', ' ')).append(" | ").append(RESULTS.get(t)).append(" |\n");
    }
    io.meshprobe.reliability.ReliabilityDocAccess.section("fuzz-short", md.toString());
  }
}
