package io.meshprobe.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.QuitResult;
import io.meshprobe.ReliabilityProbes;
import io.meshprobe.WaitResult;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.Fixtures;
import io.meshprobe.testkit.Personality;
import io.meshprobe.testkit.SidecarPort;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.LogRecord;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Tag;

/**
 * The fault matrix: every scripted misbehaviour of the fake sidecar against the four operations (detect, wait,
 * status, quit). Each cell checks that nothing escapes, no thread is left behind, the call ends by its deadline
 * plus 1 s, the outcome is the documented one, and the log has at most one clear line for it (two for a wait:
 * the documented start line and the result). The results become the matrix of {@code docs/reliability.md}.
 *
 * <p>The fault is scripted on the endpoints the operation uses (detection: readiness and {@code /server_info};
 * wait: readiness; status: every payload; quit: the quit endpoint). For wait, status and quit the mesh is known
 * from the pod annotations (the Downward API), as in production, so the fault hits only that operation.
 */
@Tag("long") // over ~30 s on a loaded machine: `./mvnw verify -Pquick` skips it
class FaultMatrixTest {
  static final Duration HTTP_TIMEOUT = Duration.ofMillis(150);
  static final Duration WAIT_TIMEOUT = Duration.ofMillis(600);
  static final Duration QUIT_TIMEOUT = Duration.ofMillis(600);
  static final Duration SLACK = Duration.ofSeconds(1);
  /** The exit rows: the forked app's wait timeout, the time its JVM has to start waiting, and to end once told. */
  static final Duration EXIT_WAIT_TIMEOUT = Duration.ofSeconds(20);
  static final Duration EXIT_STARTUP = Duration.ofSeconds(30);
  static final Duration EXIT_DEADLINE = Duration.ofSeconds(1);

  enum Op {
    DETECT,
    WAIT,
    STATUS,
    QUIT;

    /** The configured deadline of the operation under the matrix's settings. */
    Duration deadline() {
      switch (this) {
        case DETECT:
          // Outside Kubernetes: one round over pilot-agent, Envoy readiness, linkerd and the Envoy admin port.
          return HTTP_TIMEOUT.multipliedBy(4);
        case WAIT:
          return WAIT_TIMEOUT;
        case STATUS:
          return StatusDeadline.of(HTTP_TIMEOUT);
        default:
          return QUIT_TIMEOUT;
      }
    }

    int maxLogLines() {
      return this == WAIT ? 2 : 1;
    }
  }

  /** One fault, with the outcome documented for each operation it applies to. */
  static final class Row {
    final String id;
    final String fault;
    final Personality mesh;
    final Map<Op, String> expect = new EnumMap<>(Op.class);
    Fault opFault;
    final Map<String, Fault> fixedFaults = new LinkedHashMap<>();
    Consumer<FakeSidecar.Builder> extra = b -> {};
    boolean listens = true;
    boolean detectByPorts;
    boolean ipv6;
    boolean redirect;
    boolean restart;
    /** For the exit rows: how the forked JVM ends during its wait, {@code sigterm} or {@code exit}. */
    String exit;

    Row(String id, String fault, Personality mesh) {
      this.id = id;
      this.fault = fault;
      this.mesh = mesh;
    }

    Row expect(String detect, String wait, String status, String quit) {
      put(Op.DETECT, detect);
      put(Op.WAIT, wait);
      put(Op.STATUS, status);
      put(Op.QUIT, quit);
      return this;
    }

    private void put(Op op, String outcome) {
      if (outcome != null) {
        expect.put(op, outcome);
      }
    }

    Row fault(Fault f) {
      this.opFault = f;
      return this;
    }

    Row fixed(Fault f, String... paths) {
      for (String p : paths) {
        fixedFaults.put(p, f);
      }
      return this;
    }

    Row with(Consumer<FakeSidecar.Builder> c) {
      this.extra = c;
      return this;
    }

    Row byPorts(boolean byPorts) {
      this.detectByPorts = byPorts;
      return this;
    }

    @Override
    public String toString() {
      return id;
    }
  }

  /** What one cell saw. */
  static final class Cell {
    final Row row;
    final Op op;
    String outcome = "";
    String detail = "";
    long millis;
    int logLines;
    String logLine = "";
    final List<String> problems = new ArrayList<>();

    Cell(Row row, Op op) {
      this.row = row;
      this.op = op;
    }
  }

  static final List<Row> ROWS = rows();
  static final Map<String, Cell> RESULTS = new ConcurrentHashMap<>();
  static ExecutorService runner;
  static Harness.LogCapture log;

  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    String ok = "complete";
    String partial = "partial";
    Personality istio = Personality.ISTIO;
    Personality linkerd = Personality.LINKERD;
    Personality envoy = Personality.ENVOY;

    rows.add(new Row("healthy-istio", "none (healthy Istio sidecar)", istio).expect("ISTIO_SIDECAR", "READY", ok, "SUCCESS"));
    rows.add(new Row("healthy-linkerd", "none (healthy Linkerd proxy, shutdown enabled)", linkerd).expect("LINKERD", "READY", ok, "SUCCESS"));
    Row refused = new Row("refused", "connection refused (nothing listens)", istio).expect("NONE", "TIMED_OUT", partial, "FAILED");
    refused.listens = false;
    rows.add(refused);
    for (Personality m : Arrays.asList(istio, linkerd)) {
      String p = m == istio ? "" : "-linkerd";
      String mesh = m == istio ? " (Istio)" : " (Linkerd)";
      rows.add(new Row("reset" + p, "TCP reset after the request" + mesh, m).fault(Fault.reset()).expect("NONE", "TIMED_OUT", partial, "FAILED"));
      rows.add(
          new Row("reset-before-body" + p, "reset mid-answer (headers, then RST before the body)" + mesh, m)
              .fault(Fault.resetBeforeBody())
              .expect("NONE", "TIMED_OUT", partial, "FAILED"));
      rows.add(new Row("hang" + p, "accepts, never answers" + mesh, m).fault(Fault.hang()).expect("NONE", "TIMED_OUT", partial, "FAILED"));
      rows.add(
          new Row("slow-drip" + p, "slow drip, 1 byte/s" + mesh, m)
              .fault(Fault.slowBody("{\"state\":\"LIVE\"} live ok", Duration.ofSeconds(1)))
              .expect("NONE", "TIMED_OUT", partial, "FAILED"));
      rows.add(
          new Row("headers-then-hang" + p, "status line and headers, then silence" + mesh, m)
              .fault(Fault.headersThenHang())
              .expect("NONE", "TIMED_OUT", partial, "FAILED"));
      rows.add(new Row("garbage" + p, "bytes that are not HTTP" + mesh, m).fault(Fault.garbage()).expect("NONE", "TIMED_OUT", partial, "FAILED"));
      // An HTTP answer on pilot-agent's port is Istio whatever its status; Linkerd must say "live".
      String detected = m == istio ? "ISTIO_SIDECAR" : "NONE";
      for (int code : new int[] {404, 405, 500, 503}) {
        rows.add(
            new Row("http-" + code + p, "HTTP " + code + " on every endpoint of the operation" + mesh, m)
                .fault(Fault.status(code, "fault " + code))
                .expect(detected, "TIMED_OUT", partial, "FAILED"));
      }
      rows.add(
          new Row("huge-body" + p, "a 100 MB body" + mesh, m)
              .fault(Fault.hugeBody(100L << 20))
              .expect("NONE", "TIMED_OUT", partial, "FAILED"));
    }
    Row redirect =
        new Row("redirect", "302 redirect to another host (never followed)", istio).expect("ISTIO_SIDECAR", "TIMED_OUT", partial, "FAILED");
    redirect.redirect = true;
    rows.add(redirect);

    // JSON payload faults: on /server_info, /config_dump and /certs for every operation; the mesh is found from
    // the ports, so detection (Envoy), the wait's and the quit's node metadata read /server_info too.
    String[] json = {"/server_info", "/config_dump", "/certs"};
    String malformed = "{\"configs\": [ {\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\", \"dynamic_listeners\": [ }, ]";
    String truncated = truncate(Fixtures.text(defaultDump()), 0.5);
    String wrongShape = "{\"configs\": {\"@type\": [1, {\"a\": null}]}, \"certificates\": \"none\", \"node\": [], \"state\": {\"LIVE\": true}}";
    for (Personality m : Arrays.asList(istio, envoy)) {
      String p = m == istio ? "" : "-envoy";
      String mesh = m == istio ? " (Istio)" : " (Envoy)";
      // Envoy is detected from its /server_info: malformed, it is no Envoy; any JSON object is; the truncated
      // dump still holds the Istio bootstrap node in its first half, and the node scan stops once it has it.
      rows.add(
          new Row("json-malformed" + p, "malformed JSON" + mesh, m)
              .fixed(Fault.status(200, malformed), json)
              .byPorts(m == istio)
              .expect(m == istio ? "ISTIO_SIDECAR" : "NONE", "READY", partial, "SUCCESS"));
      rows.add(
          new Row("json-truncated" + p, "truncated JSON (the first half of a real dump)" + mesh, m)
              .fixed(Fault.status(200, truncated), json)
              .byPorts(m == istio)
              .expect("ISTIO_SIDECAR", "READY", partial, "SUCCESS"));
      rows.add(
          new Row("json-wrong-shape" + p, "valid JSON of the wrong shape" + mesh, m)
              .fixed(Fault.status(200, wrongShape), json)
              .byPorts(m == istio)
              .expect(m == istio ? "ISTIO_SIDECAR" : "ENVOY", "READY", partial, "SUCCESS"));
    }
    rows.add(
        new Row("non-utf8", "non-UTF-8 bytes inside the config_dump and certs JSON", istio)
            .with(b -> b.configDump(NonUtf8.configDump().toString()).certs(NonUtf8.certs().toString()))
            .expect("ISTIO_SIDECAR", "READY", partial, "SUCCESS"));
    rows.add(new Row("flapping", "readiness flapping ready / not ready", istio).fixed(Fault.flapping(), "/healthz/ready").expect("ISTIO_SIDECAR", "READY", null, null));
    Row restart = new Row("restart", "the proxy restarts in the middle of the wait", istio).expect(null, "READY", null, null);
    restart.restart = true;
    rows.add(restart);
    rows.add(
        new Row("config-dump-500", "ready, but /config_dump answers 500", istio)
            .fixed(Fault.status(500, "internal error"), "/config_dump")
            .expect("ISTIO_SIDECAR", "READY", partial, "SUCCESS"));
    rows.add(new Row("quit-hang", "quit hangs", istio).fixed(Fault.hang(), "/quitquitquit").expect(null, null, null, "FAILED"));
    rows.add(
        new Row("quit-404-linkerd", "quit answers 404 (Linkerd shutdown endpoint disabled)", linkerd)
            .with(b -> b.shutdownEnabled(false))
            .expect(null, null, null, "ENDPOINT_DISABLED"));
    rows.add(
        new Row("quit-200-lingers", "quit answers 200 but the proxy lingers", istio)
            .with(b -> b.stopOnQuit(false))
            .expect(null, null, null, "SUCCESS"));
    Row v6 = new Row("ipv6", "IPv6-only loopback (::1), /proc/net read", istio).expect("ISTIO_SIDECAR", "READY", ok, "SUCCESS");
    v6.ipv6 = true;
    rows.add(v6);
    Row sigterm = new Row("sigterm-during-wait", "SIGTERM during the wait (forked JVM, `Process.destroy()`)", istio).expect(null, "exit 143", null, null);
    sigterm.exit = "sigterm";
    rows.add(sigterm);
    Row exit =
        new Row("system-exit-during-wait", "`System.exit(7)` on another thread during the wait (forked JVM)", istio)
            .expect(null, "exit " + ExitDuringWaitMain.EXIT_CODE, null, null);
    exit.exit = "exit";
    rows.add(exit);
    return rows;
  }

  static String defaultDump() {
    return "istio/sidecar-1.3-productpage-permissive-http.config_dump.json";
  }

  static String truncate(String s, double share) {
    return s.substring(0, (int) (s.length() * share));
  }

  static Stream<Arguments> cells() {
    List<Arguments> list = new ArrayList<>();
    for (Row r : ROWS) {
      for (Op op : r.expect.keySet()) {
        list.add(Arguments.of(r, op));
      }
    }
    return list.stream();
  }

  @BeforeAll
  static void start() throws Exception {
    runner = Executors.newSingleThreadExecutor(r -> new Thread(r, "matrix-runner"));
    runner.submit(() -> {}).get();
    log = new Harness.LogCapture();
  }

  @ParameterizedTest(name = "{0} x {1}")
  @MethodSource("cells")
  void cell(Row row, Op op) throws Exception {
    if (row.ipv6) {
      org.junit.jupiter.api.Assumptions.assumeTrue(ipv6Loopback(), "no IPv6 loopback on this machine");
    }
    Cell cell = new Cell(row, op);
    RESULTS.put(row.id + "/" + op, cell);
    Set<Thread> before = Harness.threads();
    log.drain();
    List<AutoCloseable> open = new ArrayList<>();
    try {
      if (row.exit != null) {
        exitDuringWait(cell, open);
      } else if (row.restart) {
        restartMidWait(cell, open);
      } else {
        runCell(cell, open);
      }
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        open.get(i).close();
      }
    }
    List<String> leaked = Harness.leakedThreads(before, HTTP_TIMEOUT.plus(SLACK));
    if (!leaked.isEmpty()) {
      cell.problems.add("threads left after close(): " + leaked);
    }
    assertThat(cell.problems).as(row.id + " x " + op + " (" + cell.outcome + ": " + cell.detail + ")").isEmpty();
  }

  private void runCell(Cell cell, List<AutoCloseable> open) throws Exception {
    Row row = cell.row;
    Op op = cell.op;
    MeshProbe.Builder pb;
    FakeSidecar redirectTarget = null;
    if (!row.listens) {
      pb = ReliabilityProbes.isolated();
    } else {
      FakeSidecar.Builder sb = FakeSidecar.builder(row.mesh).freePorts();
      if (row.mesh == Personality.LINKERD) {
        sb.shutdownEnabled(true);
      }
      if (row.ipv6) {
        sb.bindAddress("::1");
      }
      if (row.opFault != null) {
        for (String path : paths(row.mesh, op)) {
          sb.fault(path, row.opFault);
        }
      }
      if (row.redirect) {
        redirectTarget = FakeSidecar.envoy().freePorts().start();
        open.add(redirectTarget);
        Fault f = Fault.redirect(redirectTarget.url(SidecarPort.ENVOY_ADMIN).replace("127.0.0.1", "localhost") + "/ready");
        for (String path : paths(row.mesh, op)) {
          sb.fault(path, f);
        }
      }
      for (Map.Entry<String, Fault> e : row.fixedFaults.entrySet()) {
        sb.fault(e.getKey(), e.getValue());
      }
      row.extra.accept(sb);
      FakeSidecar sidecar = sb.start();
      open.add(sidecar);
      pb = ReliabilityProbes.aimedAt(sidecar);
      if (row.ipv6) {
        ReliabilityProbes.withRealProcNet(pb);
      }
    }
    pb.httpTimeout(HTTP_TIMEOUT).waitTimeout(WAIT_TIMEOUT).quitTimeout(QUIT_TIMEOUT);
    if (op != Op.DETECT && !row.detectByPorts) {
      pb.podInfoDir(PodInfoDirs.of(row.mesh));
    }
    MeshProbe probe = pb.build();
    open.add(probe);
    run(cell, probe, () -> operate(cell, probe));
    if (redirectTarget != null && !redirectTarget.requests().isEmpty()) {
      cell.problems.add("the redirect was followed: " + redirectTarget.requests().get(0).path());
    }
  }

  /** Waits while the proxy goes away (its ports close) and a new one comes up on the same ports. */
  private void restartMidWait(Cell cell, List<AutoCloseable> open) throws Exception {
    FakeSidecar first = FakeSidecar.istio().freePorts().readyManually().start();
    open.add(first);
    MeshProbe probe =
        ReliabilityProbes.aimedAt(first).httpTimeout(HTTP_TIMEOUT).podInfoDir(PodInfoDirs.of(Personality.ISTIO)).build();
    open.add(probe);
    Duration timeout = Duration.ofSeconds(5);
    run(
        cell,
        probe,
        () -> {
          CompletableFuture<WaitResult> wait = probe.awaitReadyAsync(timeout);
          if (first.awaitRequest("GET", "/healthz/ready", timeout) == null) {
            return "no poll";
          }
          first.close();
          FakeSidecar.Builder b = FakeSidecar.istio().readyManually();
          for (SidecarPort p : Arrays.asList(SidecarPort.ISTIO_STATUS, SidecarPort.ISTIO_READINESS, SidecarPort.ENVOY_ADMIN)) {
            b.port(p, first.port(p));
          }
          FakeSidecar second = b.start();
          open.add(second);
          if (second.awaitRequest("GET", "/healthz/ready", timeout) == null) {
            return "no poll after the restart";
          }
          second.becomeReady();
          WaitResult r = wait.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
          cell.detail = r.message();
          return r.outcome().name();
        },
        timeout);
  }

  /**
   * Forks {@link ExitDuringWaitMain} with this JVM's java and class path, aimed through {@code -Dmeshprobe.*-url} at
   * a fake Istio sidecar that never turns ready, and ends it during its wait: SIGTERM ({@code Process.destroy()})
   * or {@code System.exit(7)} on a second thread of the app. The JVM must be gone within {@link #EXIT_DEADLINE}
   * (+ 1 s) of that, long before its wait timeout, with the signal's exit code, no quit sent (the library never
   * quits on its own), and no stack trace on stderr.
   */
  private void exitDuringWait(Cell cell, List<AutoCloseable> open) throws Exception {
    Row row = cell.row;
    FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyManually().start();
    open.add(sidecar);
    String closed = "http://127.0.0.1:" + closedPort();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java"));
    cmd.addAll(
        Arrays.asList(
            "-cp",
            System.getProperty("java.class.path"),
            "-Dmeshprobe.istio.status-url=" + sidecar.url(SidecarPort.ISTIO_STATUS),
            "-Dmeshprobe.istio.readiness-url=" + sidecar.url(SidecarPort.ISTIO_READINESS),
            "-Dmeshprobe.istio.admin-url=" + sidecar.url(SidecarPort.ENVOY_ADMIN),
            "-Dmeshprobe.envoy.admin-url=" + closed,
            "-Dmeshprobe.linkerd.admin-url=" + closed,
            "-Dmeshprobe.podinfo.dir=/nonexistent/podinfo",
            "-Dmeshprobe.wait.timeout=" + EXIT_WAIT_TIMEOUT.getSeconds() + "s",
            ExitDuringWaitMain.class.getName(),
            row.exit));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("MESHPROBE_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("KUBERNETES_SERVICE_HOST"));
    Path stderrFile = Files.createTempFile("exit-cell", ".stderr");
    stderrFile.toFile().deleteOnExit();
    pb.redirectError(stderrFile.toFile());
    Process child = pb.start();
    open.add(child::destroyForcibly);
    child.getOutputStream().close();
    java.util.concurrent.BlockingQueue<String> stdout = new java.util.concurrent.LinkedBlockingQueue<>();
    Thread pump =
        new Thread(
            () -> {
              try (java.io.BufferedReader r = child.inputReader()) {
                String line;
                while ((line = r.readLine()) != null) {
                  stdout.add(line);
                }
              } catch (IOException e) {
                // the child is gone
              }
            },
            "exit-cell-stdout");
    pump.setDaemon(true);
    pump.start();

    String marker = awaitLine(stdout, ExitDuringWaitMain.MARKER, EXIT_STARTUP);
    if (marker == null) {
      child.destroyForcibly();
      cell.outcome = "no wait";
      cell.problems.add("the forked JVM did not start its wait within " + EXIT_STARTUP.getSeconds() + " s; stderr: " + read(stderrFile));
      return;
    }
    long signalled;
    String how;
    if (row.exit.equals("sigterm")) {
      // The wait is under way and polls this sidecar; then SIGTERM (Process.destroy() is SIGTERM on Linux).
      if (sidecar.awaitRequest("GET", "/healthz/ready", EXIT_STARTUP) == null) {
        cell.problems.add("the forked JVM never polled the fake sidecar's readiness");
      }
      signalled = System.nanoTime();
      child.destroy();
      how = "SIGTERM";
    } else {
      signalled = System.nanoTime(); // the app's own thread calls System.exit right after printing the marker
      how = "the marker";
    }
    boolean ended = child.waitFor(EXIT_WAIT_TIMEOUT.plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
    cell.millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
    if (!ended) {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      cell.outcome = "hang";
      cell.problems.add("the JVM was still running " + EXIT_WAIT_TIMEOUT.plus(SLACK).getSeconds() + " s after " + how);
    } else {
      cell.outcome = "exit " + child.exitValue();
      if (cell.millis > EXIT_DEADLINE.plus(SLACK).toMillis()) {
        cell.problems.add("the JVM ended " + cell.millis + " ms after " + how + ", deadline " + EXIT_DEADLINE.toMillis() + " ms + 1 s");
      }
    }
    pump.join(5000);
    String expected = row.expect.get(cell.op);
    if (!cell.outcome.equals(expected)) {
      cell.problems.add("outcome " + cell.outcome + ", documented " + expected);
    }
    List<String> quits = sidecar.requests().stream().filter(r -> r.method().equals("POST")).map(r -> "POST " + r.path()).collect(Collectors.toList());
    if (!quits.isEmpty()) {
      cell.problems.add("the library sent " + quits + " on its own");
    }
    List<String> leftovers = new ArrayList<>();
    stdout.drainTo(leftovers);
    leftovers.stream().filter(l -> !l.startsWith(ExitDuringWaitMain.MARKER)).forEach(l -> cell.problems.add("stdout: " + l));
    String stderr = read(stderrFile);
    if (java.util.regex.Pattern.compile("(?m)^\\s+at \\S+\\(|Exception|Throwable").matcher(stderr).find()) {
      cell.problems.add("a stack trace on stderr: " + stderr);
    }
    List<String> logLines =
        stderr.lines().filter(l -> l.contains("mesh-probe: ")).map(l -> l.substring(l.indexOf("mesh-probe: "))).collect(Collectors.toList());
    cell.logLines = logLines.size();
    cell.logLine = logLines.isEmpty() ? "" : logLines.get(logLines.size() - 1);
    if (logLines.size() > cell.op.maxLogLines()) {
      cell.problems.add(logLines.size() + " log lines: " + logLines);
    }
    cell.detail =
        "the JVM ended "
            + cell.millis
            + " ms after "
            + how
            + " (its wait timeout: "
            + EXIT_WAIT_TIMEOUT.getSeconds()
            + " s); the sidecar saw "
            + (quits.isEmpty() ? "no quit" : quits)
            + "; stderr: "
            + logLines.size()
            + " log line(s), "
            + (stderr.contains("Exception") ? "a stack trace" : "no stack trace");
  }

  /** The first line of {@code lines} that starts with {@code prefix}, or null after {@code timeout}. */
  private static String awaitLine(java.util.concurrent.BlockingQueue<String> lines, String prefix, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line = lines.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null) {
        return null;
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  interface Operation {
    String call() throws Exception;
  }

  private String operate(Cell cell, MeshProbe probe) {
    switch (cell.op) {
      case DETECT:
        io.meshprobe.Detection d = probe.detect();
        // Which Istio port answered is timing, not outcome: pilot-agent is asked first, and when its answer takes
        // longer than meshprobe.http.timeout (a loaded machine) Envoy's readiness port answers instead. The page
        // shows stable facts only.
        cell.detail = d.toString().replaceAll("\\((pilot-agent|Envoy readiness) answered on [^)]*\\)", "(pilot-agent or Envoy readiness answered)");
        return d.type().name();
      case WAIT:
        WaitResult w = probe.awaitReady(WAIT_TIMEOUT);
        cell.detail = w.message();
        return w.outcome().name();
      case STATUS:
        MeshStatus s = probe.refreshStatus();
        cell.detail = s.proxy() + (s.notes().isEmpty() ? "" : "; notes: " + String.join("; ", s.notes()));
        for (String note : s.notes()) {
          if (note.contains("\n")) {
            cell.problems.add("a note is not one line: " + note);
          }
        }
        return s.notes().isEmpty() ? "complete" : "partial";
      default:
        QuitResult q = probe.quitProxy();
        cell.detail = q.message();
        return q.outcome().name();
    }
  }

  private void run(Cell cell, MeshProbe probe, Operation operation) throws Exception {
    run(cell, probe, operation, cell.op.deadline());
  }

  private void run(Cell cell, MeshProbe probe, Operation operation, Duration deadline) throws Exception {
    long start = System.nanoTime();
    Future<String> f = runner.submit(operation::call);
    try {
      cell.outcome = f.get(deadline.plus(SLACK).toMillis() + 5000, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      cell.outcome = "exception";
      cell.problems.add("an exception escaped: " + e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      f.cancel(true);
      cell.outcome = "hang";
      cell.problems.add("still running " + deadline.plus(SLACK).getSeconds() + 5 + " s later");
    }
    cell.millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    List<LogRecord> lines = log.drain();
    cell.logLines = lines.size();
    cell.logLine = lines.isEmpty() ? "" : lines.get(lines.size() - 1).getMessage();
    if (cell.millis > deadline.plus(SLACK).toMillis()) {
      cell.problems.add("took " + cell.millis + " ms, deadline " + deadline.toMillis() + " ms + 1 s");
    }
    String expected = cell.row.expect.get(cell.op);
    if (!cell.outcome.equals(expected)) {
      cell.problems.add("outcome " + cell.outcome + ", documented " + expected);
    }
    if (lines.size() > cell.op.maxLogLines()) {
      cell.problems.add(lines.size() + " log lines: " + lines.stream().map(LogRecord::getMessage).collect(Collectors.toList()));
    }
    String unclear = Harness.LogCapture.unclear(lines);
    if (unclear != null) {
      cell.problems.add(unclear);
    }
  }

  static List<String> paths(Personality mesh, Op op) {
    switch (mesh) {
      case LINKERD:
        switch (op) {
          case DETECT:
            return Collections.singletonList("/live");
          case WAIT:
            return Collections.singletonList("/ready");
          case STATUS:
            return Arrays.asList("/env.json", "/metrics");
          default:
            return Collections.singletonList("/shutdown");
        }
      default:
        switch (op) {
          case DETECT:
            return Arrays.asList("/healthz/ready", "/server_info");
          case WAIT:
            return mesh == Personality.ISTIO ? Collections.singletonList("/healthz/ready") : Arrays.asList("/ready", "/server_info");
          case STATUS:
            return Arrays.asList("/server_info", "/config_dump", "/certs", "/stats/prometheus");
          default:
            return Collections.singletonList("/quitquitquit");
        }
    }
  }

  static boolean ipv6Loopback() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
      return s.getInetAddress() instanceof Inet6Address;
    } catch (IOException e) {
      return false;
    }
  }

  @AfterAll
  static void render() throws Exception {
    log.close();
    runner.shutdownNow();
    int expected = (int) cells().count();
    if (RESULTS.size() < expected) {
      return; // a partial run (one cell picked): leave the page alone
    }
    StringBuilder md = new StringBuilder();
    md.append("## Fault matrix\n\n")
        .append("`FaultMatrixTest`: ")
        .append(ROWS.size())
        .append(" faults scripted with the fake sidecar × the operations detect, wait, status and quit (")
        .append(RESULTS.size())
        .append(" cells). Settings: `meshprobe.http.timeout` ")
        .append(HTTP_TIMEOUT.toMillis())
        .append(" ms, wait timeout ")
        .append(WAIT_TIMEOUT.toMillis())
        .append(" ms, `meshprobe.quit.timeout` ")
        .append(QUIT_TIMEOUT.toMillis())
        .append(" ms. Deadlines: detect ")
        .append(Op.DETECT.deadline().toMillis())
        .append(" ms (one round of probes outside Kubernetes), wait ")
        .append(Op.WAIT.deadline().toMillis())
        .append(" ms, status ")
        .append(Op.STATUS.deadline().toMillis())
        .append(" ms, quit ")
        .append(Op.QUIT.deadline().toMillis())
        .append(" ms.\n\n")
        .append("Every cell asserts: no exception escapes; no thread of the probe is left once `close()` returned (plus the")
        .append(" http timeout + 1 s for a daemon thread to finish its call); the call returns by its deadline + 1 s; the")
        .append(" documented outcome; at most one clear `mesh-probe: ` log line at INFO or above (two for a wait: its start")
        .append(" line and its result), no stack trace. For wait, status and quit the mesh is known from the pod annotations")
        .append(" (Downward API) unless the row says otherwise, so the fault hits only that operation.\n\n")
        .append("The two exit rows fork a JVM (`ExitDuringWaitMain`, this JVM's java and test class path) whose main waits")
        .append(" (wait timeout ")
        .append(EXIT_WAIT_TIMEOUT.getSeconds())
        .append(" s, `-Dmeshprobe.*-url` aimed at a fake Istio sidecar that never turns ready) and prints a marker from")
        .append(" `MeshProbeListener.onWaiting`; then the test sends SIGTERM, or a second thread of the app calls")
        .append(" `System.exit(7)`. They assert the exit code, that the JVM is gone within ")
        .append(EXIT_DEADLINE.toMillis())
        .append(" ms + 1 s of it (not at the wait timeout), that no quit reached the sidecar (the library never quits on")
        .append(" its own: that is the agent's job), nothing but the marker on stdout, at most the wait's start line on")
        .append(" stderr and no stack trace.\n\n")
        .append("Status outcomes: `complete` is a snapshot without notes; `partial` is a snapshot whose notes say which")
        .append(" read failed and why. `—`: not applicable.\n\n")
        .append("| fault | detect | wait | status | quit |\n|---|---|---|---|---|\n");
    for (Row r : ROWS) {
      md.append("| ").append(r.fault);
      for (Op op : Op.values()) {
        Cell c = RESULTS.get(r.id + "/" + op);
        md.append(" | ").append(c == null ? "—" : mark(c));
      }
      md.append(" |\n");
    }
    md.append("\n✅ as documented, ❌ not (the cell's problems are listed below), ⏭ skipped on this machine.\n\n");
    md.append("<details><summary>What each cell said (the result message and its log line)</summary>\n\n");
    for (Row r : ROWS) {
      for (Op op : Op.values()) {
        Cell c = RESULTS.get(r.id + "/" + op);
        if (c == null) {
          continue;
        }
        md.append("- **").append(r.id).append(" × ").append(op.name().toLowerCase()).append("**: ")
            .append(c.outcome).append(" — ").append(ReliabilityDoc.stable(shorten(c.detail, 300)));
        if (!c.logLine.isEmpty()) {
          md.append(" — log: `").append(ReliabilityDoc.stable(shorten(c.logLine, 300)).replace("`", "'")).append("`");
        }
        if (!c.problems.isEmpty()) {
          md.append(" — ❌ ").append(ReliabilityDoc.stable(String.join("; ", c.problems)));
        }
        md.append("\n");
      }
    }
    md.append("\n</details>\n");
    ReliabilityDoc.section("matrix", md.toString());
  }

  private static String mark(Cell c) {
    if (c.outcome.isEmpty()) {
      return "⏭";
    }
    return (c.problems.isEmpty() ? "✅ " : "❌ ") + c.outcome;
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "…";
  }

  /** Pod annotation directories (Downward API format) that name the mesh. */
  static final class PodInfoDirs {
    private static final Map<Personality, Path> DIRS = new ConcurrentHashMap<>();

    static Path of(Personality mesh) {
      return DIRS.computeIfAbsent(mesh, PodInfoDirs::create);
    }

    private static Path create(Personality mesh) {
      try {
        Path dir = Files.createTempDirectory("podinfo-" + mesh.name().toLowerCase());
        String line;
        switch (mesh) {
          case ISTIO:
            line = "sidecar.istio.io/status=\"{\\\"initContainers\\\":[\\\"istio-init\\\"],\\\"containers\\\":[\\\"istio-proxy\\\"]}\"";
            break;
          case LINKERD:
            line = "linkerd.io/proxy-version=\"stable-2.14.10\"";
            break;
          default:
            line = "consul.hashicorp.com/connect-inject-status=\"injected\"";
        }
        Files.write(dir.resolve("annotations"), (line + "\n").getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("labels"), new byte[0]);
        return dir;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** Real payloads with invalid UTF-8 bytes spliced into a JSON string (a derived scenario, not a recording). */
  static final class NonUtf8 {
    static Path configDump() {
      return spliced(defaultDump(), "dump");
    }

    static Path certs() {
      return spliced("other/appmesh-envoy-certs-spire-svid.json", "certs");
    }

    private static Path spliced(String fixture, String name) {
      try {
        byte[] in = Fixtures.bytes(fixture);
        String text = new String(in, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(": \"") + 3;
        byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE};
        byte[] out = new byte[in.length + bad.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(bad, 0, out, at, bad.length);
        System.arraycopy(in, at, out, at + bad.length, in.length - at);
        Path f = Files.createTempFile("non-utf8-" + name, ".json");
        Files.write(f, out);
        f.toFile().deleteOnExit();
        return f;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /**
   * The status operation's deadline: detection (one round of four calls outside Kubernetes) plus the status read's
   * own budget of five calls (StatusRefresher.STATUS_BUDGET_CALLS).
   */
  static final class StatusDeadline {
    static Duration of(Duration httpTimeout) {
      return httpTimeout.multipliedBy(4 + 5);
    }
  }
}
