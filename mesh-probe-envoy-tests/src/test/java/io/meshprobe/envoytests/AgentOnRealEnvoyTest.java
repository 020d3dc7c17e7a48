package io.meshprobe.envoytests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shaded agent (as a pod would run it, through {@code JAVA_TOOL_OPTIONS}) in another JVM, against the real Envoy:
 * a job with no mesh-probe code is held until Envoy is LIVE and its end makes Envoy exit; {@code doctor --json} in a
 * second JVM reports the real status.
 */
@RequiresEnvoy
class AgentOnRealEnvoyTest {
  static final Path AGENT_JAR = Paths.get(System.getProperty("agent.jar", "missing-agent.jar"));

  @Test
  void aJobWithNoMeshProbeCodeIsHeldUntilLiveAndItsEndMakesEnvoyExit() throws Exception {
    assertThat(AGENT_JAR).as("the shaded agent jar (built by the reactor before this module)").isRegularFile();
    try (RealSidecar s = RealSidecar.istio().dir(Dirs.next("agent-job")).start()) {
      Path out = s.envoy().dir().resolve("job.out");
      Map<String, String> env = s.env();
      env.put("JOB_ENVOY_READY_URL", s.adminUrl() + "/ready");
      Process job = java(env, out, "-cp", System.getProperty("java.class.path"), HeldJob.class.getName());

      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(10))
          .until(() -> job.isAlive() && !read(out).contains("[job] main") && "PRE_INITIALIZING".equals(s.admin().state()));
      s.pushConfig();

      assertThat(job.waitFor(60, TimeUnit.SECONDS)).as(read(out)).isTrue();
      String output = read(out);
      assertThat(job.exitValue()).as(output).isZero();
      assertThat(output).contains("mesh-probe: istio proxy ready after", "envoy=LIVE", "[job] done", "asked the istio proxy to quit");
      OptionalInt exit = s.envoy().awaitExit(10_000);
      assertThat(exit).as("Envoy exited after the job ended: the pod can complete\n" + output).isPresent();
      assertThat(exit.getAsInt()).isZero();
    }
  }

  @Test
  void doctorJsonInASecondJvmReportsTheRealStatus() throws Exception {
    try (RealSidecar s = RealSidecar.istio().dir(Dirs.next("agent-doctor")).start()) {
      s.pushConfig();
      s.awaitLive(Duration.ofSeconds(30));
      Path out = s.envoy().dir().resolve("doctor.json");
      Process doctor = java(s.env(), out, "-jar", AGENT_JAR.toString(), "doctor", "--json");
      assertThat(doctor.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String json = read(out);
      // PERMISSIVE and raw-TCP findings are warnings: exit 0.
      assertThat(doctor.exitValue()).as(json).isZero();
      assertThat(json.replaceAll("\\s+", "")).contains(
          "\"schema\":\"meshprobe.status/v1\"",
          "\"identity\":\"" + RealSidecar.SPIFFE_ID + "\"",
          "\"mesh\":\"istio\"",
          "\"mode\":\"PERMISSIVE\"");
      assertThat(portsIn(json)).containsExactly("9080 HTTP STRICT", "9081 HTTP PERMISSIVE", "9090 TCP PERMISSIVE");
      assertThat(s.envoy().isAlive()).as("doctor never quits the proxy").isTrue();
    }
  }

  private static List<String> portsIn(String json) {
    Matcher m =
        Pattern.compile("\"port\":(\\d+),\"protocol\":\"(\\w+)\",\"mtls\":\"(\\w+)\"").matcher(json.replaceAll("\\s+", ""));
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1) + " " + m.group(2) + " " + m.group(3));
    }
    return out;
  }

  static Process java(Map<String, String> env, Path out, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHPROBE_") || k.equals("KUBERNETES_SERVICE_HOST") || k.equals("JAVA_TOOL_OPTIONS"));
    pb.environment().putAll(env);
    if (args[0].equals("-cp")) {
      pb.environment().put("JAVA_TOOL_OPTIONS", "-javaagent:" + AGENT_JAR);
    }
    return pb.start();
  }

  static String read(Path p) throws IOException {
    return Files.isRegularFile(p) ? Files.readString(p) : "";
  }
}
