package io.meshprobe.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.agent.PlantedSecrets;
import io.meshprobe.agent.ReliabilityPage;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.SidecarPort;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI prints nothing of the secrets dump but the certificate's public fields: a generated private key and a
 * marker planted in Istio's secrets dump, served by the fake sidecar ({@code doctor}) and read from a file
 * ({@code analyze}), whole and cut inside the key, are searched for in stdout, stderr and the library's log.
 */
class MeshProbeCliSecretsTest {
  @TempDir Path dir;

  @Test
  void doctorAndAnalyzeNeverPrintThePrivateKey() throws Exception {
    PlantedSecrets secrets = PlantedSecrets.generate();
    List<String> commands = new ArrayList<>();
    int outputs = 0;
    for (String variant : new String[] {"planted", "broken"}) {
      Path dump = secrets.write(dir.resolve(variant + ".json"), variant.equals("planted") ? secrets.dump() : secrets.brokenDump());
      try (FakeSidecar sidecar =
          FakeSidecar.istio()
              .freePorts()
              .configDump(dump.toString())
              .certs("other/appmesh-envoy-certs-empty.json")
              .log(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
              .start()) {
        MeshProbe.Builder probe =
            MeshProbe.builder()
                .mesh(MeshType.ISTIO_SIDECAR)
                .istioStatusUrl(sidecar.url(SidecarPort.ISTIO_STATUS))
                .istioReadinessUrl(sidecar.url(SidecarPort.ISTIO_READINESS))
                .istioAdminUrl(sidecar.url(SidecarPort.ENVOY_ADMIN))
                .waitInterval(Duration.ofMillis(5));
        String[][] runs = {
          {"doctor", "--timeout", "5s"},
          {"doctor", "--json", "--timeout", "5s"},
          {"analyze", dump.toString()},
          {"analyze", "--json", dump.toString()}
        };
        for (String[] args : runs) {
          String everything = run(probe, args);
          outputs++;
          if (variant.equals("planted") && args[0].equals("doctor")) {
            // The dump was read: the identity comes from its certificate (the fake's /certs is empty).
            assertThat(everything).as(String.join(" ", args)).contains("spiffe://cluster.local/ns/");
          }
          for (String needle : secrets.needles()) {
            assertThat(everything).as(variant + " dump, " + String.join(" ", args)).doesNotContain(needle);
          }
          commands.add(String.join(" ", args).replace(dump.toString(), "FILE"));
        }
      }
    }
    ReliabilityPage.section(
        "security-cli",
        "## Security: the CLI\n\n"
            + "`MeshProbeCliSecretsTest` (mesh-probe-agent): an RSA private key (PEM, generated in the test) and a marker"
            + " planted in Istio's secrets dump, whole and cut inside the key, served by the fake sidecar as its"
            + " config_dump and given to `analyze` as a file; `MeshProbeCli` run in-process.\n\n"
            + "| command | result |\n|---|---|\n"
            + commands.stream()
                .distinct()
                .map(c -> "| `" + c.replace("FILE", "<dump>") + "` | ✅ neither the key (as served, or decoded) nor the marker in stdout, stderr or the library's log (all levels), for both dumps |\n")
                .reduce("", String::concat)
            + "\n"
            + outputs
            + " runs; with the whole dump `doctor` still shows the identity read from the dump's certificate.\n");
  }

  /** Runs the CLI in-process; returns its stdout, stderr and the library's log records at every level. */
  private static String run(MeshProbe.Builder probe, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> log = new ArrayList<>();
    Logger logger = Logger.getLogger("io.meshprobe");
    Level old = logger.getLevel();
    Handler all =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            synchronized (log) {
              log.add(r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    all.setLevel(Level.ALL);
    logger.setLevel(Level.ALL);
    logger.addHandler(all);
    try {
      new MeshProbeCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), probe::build)
          .run(args);
    } finally {
      logger.removeHandler(all);
      logger.setLevel(old);
    }
    synchronized (log) {
      return out.toString(StandardCharsets.UTF_8) + "\n" + err.toString(StandardCharsets.UTF_8) + "\n" + String.join("\n", log);
    }
  }
}
