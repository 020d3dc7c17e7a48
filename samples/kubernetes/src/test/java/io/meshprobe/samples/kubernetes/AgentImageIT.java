package io.meshprobe.samples.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Opens the agent image that Jib built at {@code package} (target/mesh-probe-agent-image.tar, an OCI image layout)
 * and checks what a Kubernetes image volume or an init container relies on: one layer holding only
 * {@code /mesh-probe/mesh-probe-agent.jar}, byte-identical to the shaded agent jar; the OCI labels; blobs that match
 * their digests.
 */
class AgentImageIT {
  static final String JAR_PATH = "mesh-probe/mesh-probe-agent.jar";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final Map<String, byte[]> files = new HashMap<>();
  private static JsonNode manifest;
  private static JsonNode config;

  @BeforeAll
  static void open() throws IOException {
    Path tar = Paths.get(System.getProperty("agent.image.tar", "target/mesh-probe-agent-image.tar"));
    assertThat(tar).as("built by jib:buildTar at package").isRegularFile();
    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.isFile()) {
          files.put(e.getName(), in.readAllBytes());
        }
      }
    }
    JsonNode index = JSON.readTree(file("index.json"));
    assertThat(index.path("manifests")).as("one image in the layout").hasSize(1);
    manifest = JSON.readTree(blob(index.at("/manifests/0/digest").asText()));
    config = JSON.readTree(blob(manifest.at("/config/digest").asText()));
  }

  @Test
  void isAnOciImageLayoutWhoseBlobsMatchTheirDigests() throws Exception {
    assertThat(JSON.readTree(file("oci-layout")).path("imageLayoutVersion").asText()).isEqualTo("1.0.0");
    assertThat(manifest.path("mediaType").asText()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
    assertThat(manifest.at("/config/mediaType").asText()).isEqualTo("application/vnd.oci.image.config.v1+json");
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      if (f.getKey().startsWith("blobs/sha256/")) {
        assertThat(sha256(f.getValue())).as(f.getKey()).isEqualTo(f.getKey().substring("blobs/sha256/".length()));
      }
    }
  }

  @Test
  void holdsOnlyTheAgentJarFromScratch() throws IOException {
    JsonNode layers = manifest.path("layers");
    assertThat(layers).as("FROM scratch plus one layer: nothing but the jar").hasSize(1);
    assertThat(layers.get(0).path("mediaType").asText()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    Map<String, TarArchiveEntry> entries = new HashMap<>();
    layer(layers.get(0).path("digest").asText(), entries, new HashMap<>());
    List<String> regular = new ArrayList<>();
    entries.forEach((name, e) -> {
      if (!e.isDirectory()) {
        regular.add(name);
      }
    });
    assertThat(regular).containsExactly(JAR_PATH);
    TarArchiveEntry jar = entries.get(JAR_PATH);
    assertThat(jar.getMode() & 0777).as("world-readable: the app's user reads it from the volume").isEqualTo(0644);
    // No entrypoint and no shell: the image carries a file, it runs nothing.
    assertThat(config.at("/config/Entrypoint").isMissingNode() || config.at("/config/Entrypoint").isNull()).isTrue();
    assertThat(config.path("os").asText()).isEqualTo("linux");
  }

  @Test
  void theJarInsideIsByteIdenticalToTheBuiltAgentJar() throws Exception {
    Map<String, byte[]> content = new HashMap<>();
    layer(manifest.at("/layers/0/digest").asText(), new HashMap<>(), content);
    Path built = builtAgentJar();
    assertThat(sha256(content.get(JAR_PATH))).as("vs " + built).isEqualTo(sha256(Files.readAllBytes(built)));
  }

  @Test
  void carriesTheOciLabels() {
    JsonNode labels = config.at("/config/Labels");
    assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(System.getProperty("agent.version"));
    assertThat(labels.path("org.opencontainers.image.source").asText()).isEqualTo("https://github.com/mesh-probe/mesh-probe");
    assertThat(labels.path("org.opencontainers.image.licenses").asText()).isEqualTo("Apache-2.0");
    assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo("mesh-probe-agent");
  }

  @Test
  void isReproducible() {
    // Jib's defaults: creation time and file times at the epoch, so one commit gives one image digest.
    assertThat(config.path("created").asText()).isEqualTo("1970-01-01T00:00:00Z");
  }

  /** The shaded agent jar on the test class path (this module's test dependency, from the reactor). */
  static Path builtAgentJar() {
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path p = Paths.get(entry);
      String name = p.getFileName().toString();
      if (name.startsWith("mesh-probe-agent-") && name.endsWith(".jar")) {
        return p;
      }
      if (name.equals("classes") && p.getParent() != null && p.getParent().getParent() != null
          && p.getParent().getParent().getFileName().toString().equals("mesh-probe-agent")) {
        // The reactor gave target/classes (a build that stopped before package): no shaded jar to compare.
        throw new IllegalStateException("the agent's shaded jar is not on the class path: " + p);
      }
    }
    throw new IllegalStateException("mesh-probe-agent not on the test class path");
  }

  private static void layer(String digest, Map<String, TarArchiveEntry> entries, Map<String, byte[]> content)
      throws IOException {
    try (InputStream gz = new GzipCompressorInputStream(new ByteArrayInputStream(blob(digest)));
        TarArchiveInputStream in = new TarArchiveInputStream(gz)) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        String name = e.getName().startsWith("/") ? e.getName().substring(1) : e.getName();
        name = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        entries.put(name, e);
        if (e.isFile()) {
          content.put(name, in.readAllBytes());
        }
      }
    }
  }

  private static byte[] file(String name) {
    byte[] b = files.get(name);
    assertThat(b).as(name + " in the image tarball").isNotNull();
    return b;
  }

  private static byte[] blob(String digest) {
    assertThat(digest).startsWith("sha256:");
    return file("blobs/sha256/" + digest.substring("sha256:".length()));
  }

  private static String sha256(byte[] b) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
