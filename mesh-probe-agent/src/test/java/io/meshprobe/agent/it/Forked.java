package io.meshprobe.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** A forked JVM running a test app with the shaded agent jar, its stdout and stderr captured line by line. */
final class Forked implements AutoCloseable {
  static final String JAR = System.getProperty("agent.jar", "target/mesh-probe-agent-0.1.0-SNAPSHOT.jar");
  static final String APP = "io.meshprobe.agent.it.apps.AgentTestApp";

  /** The JVMs to test on: the build's JDK and the Temurin 25 beside it, when present. */
  static Stream<String> javas() {
    String configured = System.getProperty("it.javas", System.getProperty("java.home") + "/bin/java");
    return Arrays.stream(configured.split(",")).map(String::trim).filter(j -> !j.isEmpty() && new File(j).canExecute());
  }

  /** Test classes and Micrometer only: never the unshaded agent or library. */
  static String appClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(
            e ->
                e.endsWith("test-classes")
                    || e.contains("micrometer")
                    || e.contains("HdrHistogram")
                    || e.contains("LatencyUtils")
                    || e.contains("netty")) // Netty 4.2 and grpc-netty-shaded, for the gate ITs
        .collect(Collectors.joining(File.pathSeparator));
  }

  final Process process;
  private final List<String> out = new ArrayList<>();
  private final List<String> err = new ArrayList<>();
  private final Thread outPump;
  private final Thread errPump;

  Forked(List<String> command, Map<String, String> env) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHPROBE_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("KUBERNETES_SERVICE_HOST"));
    pb.environment().putAll(env);
    process = pb.start();
    process.getOutputStream().close();
    outPump = pump(process.getInputStream(), out);
    errPump = pump(process.getErrorStream(), err);
  }

  static Forked app(String java, String agentArgs, String... appArgs) throws IOException {
    return app(java, List.of(), agentArgs, appArgs);
  }

  /** The test app with JVM options ({@code -Dmeshprobe...=...}), the agent (with {@code agentArgs}) and app arguments. */
  static Forked app(String java, List<String> jvmOptions, String agentArgs, String... appArgs) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-javaagent:" + JAR + (agentArgs.isEmpty() ? "" : "=" + agentArgs), "-cp", appClassPath(), APP));
    cmd.addAll(List.of(appArgs));
    return new Forked(cmd, Map.of());
  }

  /**
   * A test app of {@code mainClass} with the agent, JVM options and extra environment variables. The JVM's temp
   * directory is under {@code target/} (Netty unpacks its native library there).
   */
  static Forked main(String java, List<String> jvmOptions, Map<String, String> env, String agentArgs, String mainClass, String... appArgs)
      throws IOException {
    Path tmp = Paths.get("target", "forked-tmp").toAbsolutePath();
    Files.createDirectories(tmp);
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Djava.io.tmpdir=" + tmp);
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-javaagent:" + JAR + (agentArgs.isEmpty() ? "" : "=" + agentArgs), "-cp", appClassPath(), mainClass));
    cmd.addAll(List.of(appArgs));
    return new Forked(cmd, env);
  }

  private static Thread pump(InputStream in, List<String> lines) {
    Thread t =
        new Thread(
            () -> {
              try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                  }
                }
              } catch (IOException ignored) {
                // process gone
              }
            });
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Waits for a stdout line starting with {@code prefix}; returns it, or null at the timeout. */
  String awaitLine(String prefix, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (out) {
      while (true) {
        for (String l : out) {
          if (l.startsWith(prefix)) {
            return l;
          }
        }
        long left = end - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(out, left);
      }
    }
  }

  String line(String prefix) {
    synchronized (out) {
      return out.stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
    }
  }

  static long millis(String line) {
    return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as("process ended; stderr: %s", stderr()).isTrue();
    outPump.join(5000);
    errPump.join(5000);
    return process.exitValue();
  }

  List<String> stdout() {
    synchronized (out) {
      return List.copyOf(out);
    }
  }

  List<String> stderr() {
    synchronized (err) {
      return List.copyOf(err);
    }
  }

  static Path jar() {
    return Paths.get(JAR);
  }

  static boolean jarExists() {
    return Files.isRegularFile(jar());
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
