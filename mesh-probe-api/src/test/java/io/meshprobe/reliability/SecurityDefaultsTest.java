package io.meshprobe.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshprobe.MeshProbe;
import io.meshprobe.ReliabilityProbes;
import io.meshprobe.WaitResult;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.Fixtures;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security defaults of issue 8, one test each; the results become a section of docs/reliability.md. */
class SecurityDefaultsTest {
  static final Map<String, String> RESULTS = new LinkedHashMap<>();
  static final String MARKER = "MESHPROBE-LEAK-MARKER-7f3a9c";

  @TempDir Path dir;

  private static void record(String check, String result) {
    synchronized (RESULTS) {
      RESULTS.put(check, result);
    }
  }

  @Test
  void adminAndQuitUrlsMustBeLoopbackUnlessAllowed() {
    for (String remote : new String[] {"http://10.0.0.7:15020", "http://example.com:15000", "http://[2001:db8::1]:4191", "http://0.0.0.0:15021"}) {
      assertThatThrownBy(() -> ReliabilityProbes.isolated().istioStatusUrl(remote).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("meshprobe.istio.status-url must point at loopback")
          .hasMessageContaining("meshprobe.admin.allow-remote=true");
      assertThatThrownBy(() -> ReliabilityProbes.isolated().extraQuitUrls(Collections.singletonList(remote + "/quit")).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("meshprobe.quit.extra-urls must point at loopback");
      ReliabilityProbes.isolated().istioStatusUrl(remote).allowRemoteAdmin(true).build().close();
    }
    for (String local : new String[] {"http://127.0.0.1:15020", "http://localhost:15020", "http://[::1]:15020", "http://127.3.4.5:1"}) {
      ReliabilityProbes.isolated().istioStatusUrl(local).build().close();
    }
    // Through the environment and through system properties, as deployed.
    ReliabilityProbes.isolated(Collections.singletonMap("MESHPROBE_ADMIN_ALLOW_REMOTE", "true")).istioAdminUrl("http://10.1.2.3:15000").build().close();
    assertThatThrownBy(() -> ReliabilityProbes.isolated(Collections.singletonMap("MESHPROBE_ADMIN_ALLOW_REMOTE", "false")).istioAdminUrl("http://10.1.2.3:15000").build())
        .hasMessageContaining("must point at loopback");
    String[] keys = {"meshprobe.linkerd.admin-url", "meshprobe.admin.allow-remote"};
    try {
      System.setProperty(keys[0], "http://192.168.1.1:4191");
      assertThatThrownBy(MeshProbe::create).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("meshprobe.linkerd.admin-url");
      System.setProperty(keys[1], "true");
      MeshProbe.create().close();
    } finally {
      for (String k : keys) {
        System.clearProperty(k);
      }
    }
    record(
        "Admin and quit URLs are loopback unless `meshprobe.admin.allow-remote=true`",
        "✅ remote hosts (10/8, a name, IPv6, 0.0.0.0) rejected at build() for the builder, `MESHPROBE_*` and `-Dmeshprobe.*`;"
            + " accepted once allowed; 127/8, localhost and [::1] accepted");
  }

  @Test
  void redirectsAreNeverFollowed() throws Exception {
    try (FakeSidecar target = FakeSidecar.envoy().freePorts().start();
        FakeSidecar sidecar =
            FakeSidecar.istio()
                .freePorts()
                .fault("/config_dump", Fault.redirect(target.url(io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN) + "/config_dump"))
                .fault("/quitquitquit", Fault.redirect(target.url(io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN) + "/quitquitquit"))
                .fault("/healthz/ready", Fault.redirect(target.url(io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN) + "/ready"))
                .start();
        MeshProbe probe = ReliabilityProbes.aimedAt(sidecar).httpTimeout(Duration.ofMillis(300)).build()) {
      WaitResult w = probe.awaitReady(Duration.ofMillis(300)); // small answer
      MeshStatus s = probe.refreshStatus(); // streamed answers
      probe.quitProxy(); // POST
      assertThat(w.lastAnswer()).startsWith("HTTP 302");
      assertThat(String.join(" ", s.notes())).contains("HTTP 302");
      assertThat(target.requests()).isEmpty();
    }
    record("Redirects are never followed", "✅ 302 to another port on readiness, config_dump (streamed) and quit: the target saw no request (the probe's own client never follows one)");
  }

  @Test
  void everyResponseIsCapped() throws Exception {
    // A 10 MiB dump that stays valid JSON as far as it goes, so the parser keeps reading until the cap stops it.
    Path big = dir.resolve("big.config_dump.json");
    byte[] pad = new byte[10 << 20];
    java.util.Arrays.fill(pad, (byte) 'a');
    Files.write(big, ParserFuzzBytes.concat("{\"configs\": [{\"pad\": \"".getBytes(StandardCharsets.US_ASCII), pad, "\"}]}".getBytes(StandardCharsets.US_ASCII)));
    try (FakeSidecar sidecar =
            FakeSidecar.istio().freePorts().configDump(big.toString()).fault("/healthz/ready", Fault.hugeBody(10L << 20)).start();
        MeshProbe probe =
            ReliabilityProbes.aimedAt(sidecar)
                .maxBody(64 * 1024)
                .podInfoDir(FaultMatrixTest.PodInfoDirs.of(io.meshprobe.testkit.Personality.ISTIO))
                .build()) {
      MeshStatus s = probe.refreshStatus();
      assertThat(String.join(" ", s.notes())).contains("larger than 65536 bytes (meshprobe.http.max-body)");
      WaitResult w = probe.awaitReady(Duration.ofMillis(300));
      assertThat(w.lastAnswer()).contains("larger than 65536 bytes");
    }
    record(
        "Every response is capped",
        "✅ `meshprobe.http.max-body` (64 KiB in the test) stops a 10 MiB config_dump (streamed) and readiness answer (read"
            + " whole, capped at min(1 MiB, max-body)); the 100 MB body cells of the matrix pass with the default 64 MiB");
  }

  @Test
  void noDatabindNoDefaultTypingNoPayloadChosenClass() throws Exception {
    // The api depends on jackson-core only (streaming); databind is not on its runtime classpath.
    String cp = System.getProperty("java.class.path");
    List<String> jackson =
        Stream.of(cp.split(java.io.File.pathSeparator)).filter(p -> p.contains("jackson")).map(p -> Paths.get(p).getFileName().toString()).collect(Collectors.toList());
    boolean databindOnTestClasspath = jackson.stream().anyMatch(j -> j.contains("databind"));
    Path pom = Paths.get("pom.xml");
    String pomText = new String(Files.readAllBytes(pom), StandardCharsets.UTF_8);
    assertThat(pomText).doesNotContain("jackson-databind");
    List<String> offenders = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Paths.get("src/main/java"))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        String src = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
        for (String bad : new String[] {"databind", "ObjectMapper", "DefaultTyping", "activateDefaultTyping", "Class.forName", "loadClass(", "ObjectInputStream"}) {
          if (src.contains(bad)) {
            offenders.add(f.getFileName() + ": " + bad);
          }
        }
      }
    }
    assertThat(offenders).isEmpty();
    if (!databindOnTestClasspath) {
      assertThatThrownBy(() -> Class.forName("com.fasterxml.jackson.databind.ObjectMapper")).isInstanceOf(ClassNotFoundException.class);
    }
    record(
        "Jackson never uses default typing; no payload value chooses a class",
        "✅ the api's pom has no jackson-databind (jackson-core streaming only); no main source mentions databind, ObjectMapper,"
            + " default typing, Class.forName, loadClass or ObjectInputStream"
            + (databindOnTestClasspath ? "" : "; ObjectMapper is not loadable from the test runtime"));
  }

  @Test
  void thePrivateKeyOfTheSecretsDumpReachesNoOutput() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    byte[] pkcs8 = g.generateKeyPair().getPrivate().getEncoded();
    String keyBase64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8);
    String pem = "-----BEGIN PRIVATE KEY-----\n" + keyBase64 + "\n-----END PRIVATE KEY-----\n# " + MARKER + "\n";
    String pemB64 = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    // The real secrets dump (Istio CA) with its "[redacted]" private key replaced by the planted one: a derived scenario.
    String real = Fixtures.text("istio/secrets-istio-ca.config_dump.json");
    assertThat(real).contains("W3JlZGFjdGVkXQ==");
    String planted = real.replace("W3JlZGFjdGVkXQ==", pemB64);
    // A second dump that breaks right inside the key, so a parse error message would quote it if anything did.
    int cut = planted.indexOf(pemB64) + pemB64.length() / 2;
    String broken = planted.substring(0, cut) + "\u0001\"}}}";
    String[] needles = {MARKER, pemB64.substring(40, 80), keyBase64.substring(64, 120).replace("\n", ""), "PRIVATE KEY"};
    List<String> checked = new ArrayList<>();
    for (String dump : new String[] {planted, broken}) {
      Path file = dir.resolve(dump == planted ? "planted.json" : "broken.json");
      Files.write(file, dump.getBytes(StandardCharsets.UTF_8));
      List<String> outputs = new ArrayList<>();
      Logger logger = Logger.getLogger("io.meshprobe");
      Level old = logger.getLevel();
      Handler all =
          new Handler() {
            @Override
            public void publish(LogRecord r) {
              outputs.add("log: " + r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
          };
      all.setLevel(Level.ALL);
      logger.setLevel(Level.ALL);
      logger.addHandler(all);
      try (FakeSidecar sidecar =
              FakeSidecar.istio().freePorts().configDump(file.toString()).certs("other/appmesh-envoy-certs-empty.json").start();
          MeshProbe probe = ReliabilityProbes.aimedAt(sidecar).build()) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeshProbeMetrics metrics = new MeshProbeMetrics(probe);
        metrics.bindTo(registry);
        outputs.add("wait: " + probe.awaitReady(Duration.ofSeconds(5)));
        MeshStatus s = probe.refreshStatus();
        outputs.add("status: " + s + " " + s.identity() + " " + s.notes() + " " + s.findings() + " " + s.ports());
        outputs.add("detection: " + probe.detect());
        for (Meter m : registry.getMeters()) {
          outputs.add("meter: " + m.getId() + " " + m.measure());
        }
        outputs.add("quit: " + probe.quitProxy());
        metrics.close();
        if (dump == planted) {
          assertThat(s.identity()).as("the certificate's public fields are still read").isNotNull();
        }
      } finally {
        logger.removeHandler(all);
        logger.setLevel(old);
      }
      String everything = String.join("\n", outputs);
      for (String needle : needles) {
        assertThat(everything).as("output of the " + (dump == planted ? "planted" : "broken") + " dump").doesNotContain(needle);
      }
      checked.add(outputs.size() + " outputs");
    }
    record(
        "Nothing of the secrets dump but the certificate's public fields reaches an output",
        "✅ an RSA private key (PEM, generated in the test) and a marker planted in Istio's secrets dump, whole and cut"
            + " inside the key: not in the logs (all levels), the status model (toString, identity, notes, findings, ports),"
            + " the detection, the wait and quit results, or any meter's id, tags and values. The CLI and the agent's"
            + " MXBean and meters live in mesh-probe-agent: see the next two sections.");
  }

  /** Joins byte arrays. */
  static final class ParserFuzzBytes {
    static byte[] concat(byte[]... parts) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      for (byte[] p : parts) {
        out.write(p, 0, p.length);
      }
      return out.toByteArray();
    }
  }

  @AfterAll
  static void render() {
    if (RESULTS.size() < 5) {
      return;
    }
    StringBuilder md = new StringBuilder("## Security defaults\n\n`SecurityDefaultsTest`, one test each:\n\n| default | result |\n|---|---|\n");
    RESULTS.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    ReliabilityDoc.section("security", md.toString());
  }
}
