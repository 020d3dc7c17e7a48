package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/** The shaded jar: nothing outside io/meshprobe/agent/, no module-info, the manifest, Java 8 bytecode, the size. */
class ShadedJarIT {
  @Test
  void everyClassLiesUnderTheAgentPackage() throws Exception {
    List<String> outside = new ArrayList<>();
    try (JarFile jar = new JarFile(Forked.jar().toFile())) {
      for (ZipEntry e : java.util.Collections.list(jar.entries())) {
        String name = e.getName();
        if (!name.endsWith(".class")) {
          continue;
        }
        String path = name.startsWith("META-INF/versions/") ? name.replaceFirst("^META-INF/versions/\\d+/", "") : name;
        if (!path.startsWith("io/meshprobe/agent/") || path.endsWith("module-info.class")) {
          outside.add(name);
        }
      }
    }
    assertThat(outside).isEmpty();
  }

  @Test
  void manifestNamesTheEntryPoints() throws Exception {
    try (JarFile jar = new JarFile(Forked.jar().toFile())) {
      Manifest m = jar.getManifest();
      assertThat(m.getMainAttributes().getValue("Premain-Class")).isEqualTo("io.meshprobe.agent.MeshProbeAgent");
      assertThat(m.getMainAttributes().getValue("Agent-Class")).isEqualTo("io.meshprobe.agent.MeshProbeAgent");
      assertThat(m.getMainAttributes().getValue("Main-Class")).isEqualTo("io.meshprobe.agent.cli.MeshProbeCli");
      assertThat(m.getMainAttributes().getValue("Multi-Release")).isEqualTo("true");
      assertThat(m.getMainAttributes().getValue("Can-Retransform-Classes")).isEqualTo("true");
    }
  }

  @Test
  void baseClassesAreJava8Bytecode() throws Exception {
    List<String> newer = new ArrayList<>();
    try (JarFile jar = new JarFile(Forked.jar().toFile())) {
      for (ZipEntry e : java.util.Collections.list(jar.entries())) {
        if (!e.getName().endsWith(".class") || e.getName().startsWith("META-INF/")) {
          continue;
        }
        try (InputStream in = jar.getInputStream(e); DataInputStream d = new DataInputStream(in)) {
          d.readInt();
          d.readUnsignedShort();
          int major = d.readUnsignedShort();
          if (major > 52) {
            newer.add(e.getName() + " " + major);
          }
        }
      }
    }
    assertThat(newer).isEmpty();
  }

  @Test
  void jarStaysUnderSixMegabytes() throws Exception {
    assertThat(Files.size(Forked.jar())).isLessThanOrEqualTo(6L * 1024 * 1024);
  }

  /**
   * The admin requests use the library's own client: no OkHttp, Okio or Kotlin, which were half of the jar's ~2,000
   * entries (4.2 MB), indexed by the JVM at every start. Without them: 473 entries, 0.98 MB (2026-12-01).
   */
  @Test
  void noOkHttpOkioOrKotlinInTheJar() throws Exception {
    try (JarFile jar = new JarFile(Forked.jar().toFile())) {
      List<String> names = new ArrayList<>();
      for (ZipEntry e : java.util.Collections.list(jar.entries())) {
        names.add(e.getName());
      }
      assertThat(names).noneMatch(n -> n.contains("okhttp3") || n.contains("/okio/") || n.contains("/kotlin/") || n.endsWith(".kotlin_module"));
    }
  }

  /**
   * The build stores the entries (no deflate), so a cold JVM's class loader reads the agent's classes without
   * inflating them (figure 4: ~20 ms with a ready proxy), and keeps the manifest first, where {@code JarInputStream}
   * looks for it.
   */
  @Test
  void entriesAreStoredAndTheManifestComesFirst() throws Exception {
    try (JarFile jar = new JarFile(Forked.jar().toFile())) {
      List<java.util.jar.JarEntry> entries = java.util.Collections.list(jar.entries());
      assertThat(entries).allMatch(e -> e.getMethod() == ZipEntry.STORED, "stored, not deflated");
      assertThat(entries.stream().filter(e -> !e.isDirectory()).findFirst().map(ZipEntry::getName)).hasValue("META-INF/MANIFEST.MF");
    }
    try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(Forked.jar()))) {
      assertThat(in.getManifest()).isNotNull();
      assertThat(in.getManifest().getMainAttributes().getValue("Premain-Class")).isEqualTo("io.meshprobe.agent.MeshProbeAgent");
    }
  }

  @Test
  void noMicrometerInTheJar() throws Exception {
    try (JarFile jar = new JarFile(Forked.jar().toFile())) {
      assertThat(java.util.Collections.list(jar.entries()).stream().map(ZipEntry::getName).filter(n -> n.contains("micrometer"))).isEmpty();
    }
  }
}
