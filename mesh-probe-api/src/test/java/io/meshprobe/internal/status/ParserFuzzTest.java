package io.meshprobe.internal.status;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzzing of each parser with Jazzer, starting from the real payloads. In the normal build
 * (regression mode) each test runs its stored inputs only; {@code -Pfuzz-long} fuzzes for real ({@code JAZZER_FUZZ=1},
 * one parser per run: {@code -Dtest=ParserFuzzTest#configDump}), up to 10 minutes each.
 */
@Tag("long") // over ~30 s on a loaded machine: `./mvnw verify -Pquick` skips it
class ParserFuzzTest {
  private static final byte[][][] SEEDS = new byte[ParserFuzz.Target.values().length][][];

  static void fuzz(ParserFuzz.Target target, FuzzedDataProvider data) {
    byte[][] seeds;
    synchronized (SEEDS) {
      seeds = SEEDS[target.ordinal()];
      if (seeds == null) {
        seeds = target.seeds();
        SEEDS[target.ordinal()] = seeds;
      }
    }
    byte[] input =
        ParserFuzz.input(
            target,
            seeds,
            new ParserFuzz.Choices() {
              @Override
              public int pick(int n) {
                return n <= 1 ? 0 : data.consumeInt(0, n - 1);
              }

              @Override
              public byte[] bytes(int max) {
                return data.consumeBytes(max);
              }
            });
    try {
      target.parse(input);
    } catch (IOException expected) {
      // malformed input: a declared outcome
    }
  }

  @FuzzTest(maxDuration = "10m")
  void configDump(FuzzedDataProvider data) {
    fuzz(ParserFuzz.Target.CONFIG_DUMP, data);
  }

  @FuzzTest(maxDuration = "10m")
  void certs(FuzzedDataProvider data) {
    fuzz(ParserFuzz.Target.CERTS, data);
  }

  @FuzzTest(maxDuration = "10m")
  void secretsPem(FuzzedDataProvider data) {
    fuzz(ParserFuzz.Target.SECRETS_PEM, data);
  }

  @FuzzTest(maxDuration = "10m")
  void promText(FuzzedDataProvider data) {
    fuzz(ParserFuzz.Target.PROM_TEXT, data);
  }

  @FuzzTest(maxDuration = "10m")
  void envJson(FuzzedDataProvider data) {
    fuzz(ParserFuzz.Target.ENV_JSON, data);
  }

  @FuzzTest(maxDuration = "10m")
  void serverInfo(FuzzedDataProvider data) {
    fuzz(ParserFuzz.Target.SERVER_INFO, data);
  }
}
