package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcNetTcpTest {
  @TempDir Path dir;

  static final String HEADER =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

  /** Lines in the kernel's /proc/net/tcp layout; state 0A is LISTEN, 01 ESTABLISHED. */
  static String line(String local, String state) {
    return "   0: " + local + " 00000000:0000 " + state + " 00000000:00000000 00:00000000 00000000  1337        0 1 1 0 100 0 0 10 0\n";
  }

  @Test
  void listsOnlyListeningPortsOfBothFiles() throws IOException {
    Files.write(
        dir.resolve("tcp"),
        (HEADER + line("0100007F:3A98", "0A") + line("00000000:3A99", "0A") + line("0100007F:1F90", "01"))
            .getBytes(StandardCharsets.US_ASCII));
    Files.write(
        dir.resolve("tcp6"),
        (HEADER + line("00000000000000000000000000000000:3AA0", "0A")).getBytes(StandardCharsets.US_ASCII));

    assertThat(new ProcNetTcp(dir).listeningPorts()).containsExactlyInAnyOrder(15000, 15001, 15008);
  }

  @Test
  void skipsMalformedRowsAndReadsALastRowWithoutNewline() throws IOException {
    Files.write(
        dir.resolve("tcp"),
        (HEADER
                + "   1: garbage\n"
                + line("0100007F:ZZ98", "0A")
                + line("0100007F:123456", "0A")
                + "\n"
                + line("0100007F:0050", "0A").trim())
            .getBytes(StandardCharsets.US_ASCII));

    assertThat(new ProcNetTcp(dir).listeningPorts()).containsExactly(80);
  }

  @Test
  void aHeaderOnlyTableMeansNothingListens() throws IOException {
    Files.write(dir.resolve("tcp"), HEADER.getBytes(StandardCharsets.US_ASCII));

    assertThat(new ProcNetTcp(dir).listeningPorts()).isEmpty();
  }

  @Test
  void readsTheRealTableOfThisMachineWhenThereIsOne() {
    java.nio.file.Path real = java.nio.file.Paths.get("/proc/net");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(real.resolve("tcp")));
    assertThat(new ProcNetTcp(real).listeningPorts()).isNotNull();
  }

  @Test
  void unreadableProcMeansUnknown() {
    assertThat(new ProcNetTcp(dir.resolve("nope")).listeningPorts()).isNull();
  }

  @Test
  void ambientIsZtunnelsThreePortsWithoutAnySidecarPort() {
    assertThat(Detector.isAmbient(java.util.Collections.<Integer>emptySet())).isFalse();
    assertThat(Detector.isAmbient(new java.util.HashSet<>(java.util.Arrays.asList(15001, 15006, 15008, 8080)))).isTrue();
    assertThat(Detector.isAmbient(new java.util.HashSet<>(java.util.Arrays.asList(15001, 15006, 15008, 15020)))).isFalse();
  }
}
