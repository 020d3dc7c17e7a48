package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoMeshShortcutTest {
  @TempDir Path proc;
  @TempDir Path podinfo;

  private static final String HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

  static String listen(int port) {
    return String.format("   0: 0100007F:%04X 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000 0 1 1 0 100 0 0 10 0%n", port);
  }

  @BeforeEach
  void tables() throws IOException {
    System.setProperty("meshprobe.podinfo.dir", podinfo.toString());
    Files.write(proc.resolve("tcp"), (HEADER + listen(8080) + listen(5432)).getBytes(StandardCharsets.US_ASCII));
    Files.write(proc.resolve("tcp6"), HEADER.getBytes(StandardCharsets.US_ASCII));
  }

  @AfterEach
  void clear() {
    for (String k : new String[] {"meshprobe.podinfo.dir", "meshprobe.mesh", "meshprobe.detect.window", "meshprobe.linkerd.admin-url"}) {
      System.clearProperty(k);
    }
  }

  @Test
  void noProxyPortListeningOutsideKubernetesIsNoMesh() {
    assertThat(NoMeshShortcut.reason(null, proc.toString())).contains("no proxy port listens");
  }

  @Test
  void anyProxyOrZtunnelPortListeningLeavesItToTheLibrary() throws IOException {
    for (int port : NoMeshShortcut.PROXY_PORTS) {
      Files.write(proc.resolve("tcp6"), (HEADER + listen(port)).getBytes(StandardCharsets.US_ASCII));
      assertThat(NoMeshShortcut.reason(null, proc.toString())).as("port %d", port).isNull();
    }
  }

  @Test
  void kubernetesMeansADetectionWindowSoTheLibraryDecides() {
    assertThat(NoMeshShortcut.reason("10.96.0.1", proc.toString())).isNull();
  }

  @Test
  void configuredUrlsMeshOrWindowLeaveItToTheLibrary() {
    System.setProperty("meshprobe.linkerd.admin-url", "http://10.0.0.1:4191");
    assertThat(NoMeshShortcut.reason(null, proc.toString())).isNull();
    System.clearProperty("meshprobe.linkerd.admin-url");
    System.setProperty("meshprobe.mesh", "istio");
    assertThat(NoMeshShortcut.reason(null, proc.toString())).isNull();
    System.setProperty("meshprobe.mesh", "auto");
    System.setProperty("meshprobe.detect.window", "2s");
    assertThat(NoMeshShortcut.reason(null, proc.toString())).isNull();
  }

  @Test
  void podAnnotationsLeaveItToTheLibrary() throws IOException {
    Files.write(podinfo.resolve("annotations"), "a=\"b\"\n".getBytes(StandardCharsets.UTF_8));
    assertThat(NoMeshShortcut.reason(null, proc.toString())).isNull();
  }

  @Test
  void unreadableProcLeavesItToTheLibrary() {
    assertThat(NoMeshShortcut.reason(null, proc.resolve("missing").toString())).isNull();
  }
}
