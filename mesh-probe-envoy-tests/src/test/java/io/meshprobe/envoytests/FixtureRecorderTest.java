package io.meshprobe.envoytests;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The recorder still makes what the testkit holds: it records a fresh set into target/, and the CLI's offline
 * {@code analyze --json} reads the same ports, identity and mTLS mode from the fresh set as from the committed
 * {@code fixtures/envoy-1.40/} (ports, times and serials differ from run to run; the derived status does not).
 */
@RequiresEnvoy
class FixtureRecorderTest {
  static final Path COMMITTED = Paths.get("..", "mesh-probe-testkit", "src", "main", "resources", "io", "meshprobe", "testkit", "fixtures", "envoy-1.40");

  @Test
  void aFreshRecordingDerivesTheSameStatusAsTheCommittedFixtures() throws Exception {
    Path fresh = Dirs.next("recorded");
    FixtureRecorder.record(fresh.resolve("fixtures"), fresh.resolve("envoy"));
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(COMMITTED)) {
      files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("SOURCES.md")).sorted().forEach(names::add);
    }
    List<String> freshNames = new ArrayList<>();
    try (Stream<Path> files = Files.list(fresh.resolve("fixtures"))) {
      files.map(p -> p.getFileName().toString()).sorted().forEach(freshNames::add);
    }
    assertThat(freshNames).isEqualTo(names);

    String committed = analyze(COMMITTED, fresh.resolve("committed.json"));
    String recorded = analyze(fresh.resolve("fixtures"), fresh.resolve("fresh.json"));
    for (String key : new String[] {"\"identity\":\"spiffe://cluster.local/ns/jobs/sa/nightly-report\"", "\"mode\":\"PERMISSIVE\"", "\"mesh\":\"istio\""}) {
      assertThat(committed).contains(key);
      assertThat(recorded).contains(key);
    }
    assertThat(section(recorded, "\"ports\":")).isEqualTo(section(committed, "\"ports\":")).contains("\"port\":9080,\"protocol\":\"HTTP\",\"mtls\":\"STRICT\"");
  }

  private static String analyze(Path dir, Path out) throws Exception {
    List<String> args = new ArrayList<>(List.of("-jar", AgentOnRealEnvoyTest.AGENT_JAR.toString(), "analyze", "--json"));
    for (String f : new String[] {"server_info.json", "inbound.config_dump.json", "certs.json", "stats-health.txt"}) {
      args.add(dir.resolve("istio-sidecar." + f).toAbsolutePath().toString());
    }
    Process p = AgentOnRealEnvoyTest.java(Map.of(), out, args.toArray(new String[0]));
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return Files.readString(out).replaceAll("\\s+", "");
  }

  private static String section(String json, String key) {
    int start = json.indexOf(key);
    assertThat(start).as(json).isNotNegative();
    return json.substring(start, json.indexOf(']', start) + 1);
  }
}
