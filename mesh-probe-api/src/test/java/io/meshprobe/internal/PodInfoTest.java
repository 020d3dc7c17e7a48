package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodInfoTest {
  @TempDir Path dir;

  @Test
  void readsTheDownwardApiFormatWithGoQuotedValues() throws IOException {
    // The kubelet writes one key="value" per line, the value quoted as Go's %q does.
    Files.write(
        dir.resolve("annotations"),
        ("kubectl.kubernetes.io/default-container=\"app\"\n"
                + "sidecar.istio.io/status=\"{\\\"initContainers\\\":[\\\"istio-init\\\"],\\\"containers\\\":[\\\"istio-proxy\\\"]}\"\n"
                + "note=\"tab\\there\\nnewline \\u00e9\"\n")
            .getBytes(StandardCharsets.UTF_8));
    Files.write(dir.resolve("labels"), "app=\"demo\"\n".getBytes(StandardCharsets.UTF_8));

    PodInfo info = PodInfo.read(dir);

    assertThat(info).isNotNull();
    assertThat(info.annotations())
        .containsEntry("kubectl.kubernetes.io/default-container", "app")
        .containsEntry(
            "sidecar.istio.io/status", "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"]}")
        .containsEntry("note", "tab\there\nnewline é");
    assertThat(info.labels()).containsEntry("app", "demo");
  }

  @Test
  void linesAreThoseOfFilesReadAllLines() throws IOException {
    String[] texts = {
      "", "a=1", "a=1\n", "a=1\r\nb=2\rc=3\n\nd=\"é\"", "\n\n", "x\r", "big=" + "v".repeat(10_000) + "\nlast=1"
    };
    for (String text : texts) {
      Path file = dir.resolve("f");
      Files.write(file, text.getBytes(StandardCharsets.UTF_8));
      assertThat(PodInfo.lines(file)).as("%s", text).isEqualTo(Files.readAllLines(file, StandardCharsets.UTF_8));
    }
  }

  @Test
  void malformedUtf8IsAnUnreadableFileAsWithReadAllLines() throws IOException {
    Files.write(dir.resolve("annotations"), new byte[] {'a', '=', (byte) 0xC3, (byte) 0x28, '\n'});
    assertThat(PodInfo.read(dir)).isNull();
  }

  @Test
  void missingFilesMeanNoPodInfo() {
    assertThat(PodInfo.read(dir)).isNull();
  }

  @Test
  void unquoteLeavesBadEscapesAlone() {
    assertThat(PodInfo.unquote("\"a\\\"b\"")).isEqualTo("a\"b");
    assertThat(PodInfo.unquote("plain")).isEqualTo("plain");
    assertThat(PodInfo.unquote("\"\\uZZZZ\"")).isEqualTo("uZZZZ");
    assertThat(PodInfo.unquote("\"end\\\"")).isEqualTo("end\\");
  }
}
