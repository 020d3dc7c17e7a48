package io.meshprobe.agent.cli;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.QuitOutcome;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.internal.Durations;
import io.meshprobe.internal.Log;
import io.meshprobe.internal.status.Offline;
import io.meshprobe.internal.status.StatusFetcher;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.PlaintextPeer;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.ProxyKind;
import io.meshprobe.status.StatusDocument;
import io.meshprobe.status.Tristate;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.jspecify.annotations.Nullable;

/**
 * {@code java -jar mesh-probe-agent.jar <command>}: the pod diagnosis CLI (see {@code docs/cli.md}).
 *
 * <p>Exit codes: {@value #OK} ok, {@value #ERRORS} error-severity findings (or a failed quit), {@value #USAGE}
 * usage error or unreadable input, {@value #NOT_READY} the proxy is not ready, {@value #NOT_STRICT_READY} with
 * {@code --strict-check}: not ready for STRICT mTLS (or cannot tell).
 */
public final class MeshProbeCli {
  public static final int OK = 0;
  public static final int ERRORS = 1;
  public static final int USAGE = 2;
  public static final int NOT_READY = 3;
  /** {@code --strict-check}: the workload is not ready for STRICT mTLS, or it cannot be told. */
  public static final int NOT_STRICT_READY = 4;

  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  static final String USAGE_TEXT =
      "usage: java -jar mesh-probe-agent.jar <command>\n"
          + "  doctor [--json] [--strict-check] [--timeout D]\n"
          + "                                    detect the proxy, wait for it, read its status, list findings\n"
          + "  analyze [--json] [--strict-check] [--ports P,...] FILE...\n"
          + "                                    offline report from saved payloads of one pod (config_dump,\n"
          + "                                    certs, secrets dump, server_info, Linkerd or Istio metrics, env.json)\n"
          + "  wait [--timeout D]                block until the proxy is ready (default 10s)\n"
          + "  quit                              ask the proxy to exit (Job finished)\n"
          + "  --strict-check: answer \"ready for STRICT mTLS?\" in the exit code (0 yes, 4 no or cannot tell)\n"
          + "exit codes: 0 ok, 1 error findings or failed quit, 2 usage or unreadable input, 3 proxy not ready,\n"
          + "  4 not ready for STRICT (--strict-check)\n"
          + "configuration: meshprobe.* system properties or MESHPROBE_* environment variables\n";

  private final PrintStream out;
  private final PrintStream err;
  private final Supplier<MeshProbe> probes;

  MeshProbeCli(PrintStream out, PrintStream err, Supplier<MeshProbe> probes) {
    this.out = out;
    this.err = err;
    this.probes = probes;
  }

  public static void main(String[] args) {
    // The commands print their own results and progress; of the library's log lines only warnings add something,
    // and they go to stderr as one plain line each, not through java.util.logging's two-line console format.
    Log.redirect(
        (level, message, thrown) -> {
          if (level.intValue() >= Level.WARNING.intValue()) {
            System.err.println("mesh-probe: " + message + (thrown == null ? "" : ": " + thrown));
          }
        });
    int code = new MeshProbeCli(System.out, System.err, MeshProbe::create).run(args);
    System.out.flush();
    System.exit(code);
  }

  int run(String[] args) {
    if (args.length == 0) {
      err.print(USAGE_TEXT);
      return USAGE;
    }
    String command = args[0];
    Args a;
    try {
      a = Args.parse(args, 1);
    } catch (IllegalArgumentException e) {
      err.println("mesh-probe: " + e.getMessage());
      err.print(USAGE_TEXT);
      return USAGE;
    }
    try {
      switch (command) {
        case "doctor":
          return a.noFiles(command) ? doctor(a) : USAGE;
        case "analyze":
          return analyze(a);
        case "wait":
          return a.noFiles(command) && a.noStrictCheck(command) ? waitReady(a) : USAGE;
        case "quit":
          return a.noFiles(command) && a.noStrictCheck(command) ? quit() : USAGE;
        case "help":
        case "--help":
        case "-h":
          out.print(USAGE_TEXT);
          return OK;
        default:
          err.println("mesh-probe: unknown command '" + command + "'");
          err.print(USAGE_TEXT);
          return USAGE;
      }
    } catch (IllegalArgumentException e) {
      err.println("mesh-probe: " + e.getMessage());
      return USAGE;
    }
  }

  /** Parsed options: {@code --json}, {@code --timeout D}, {@code --ports P,...} and the remaining arguments. */
  static final class Args {
    boolean json;
    boolean strictCheck;
    Duration timeout;
    List<Integer> ports = Collections.emptyList();
    final List<String> files = new ArrayList<>();

    static Args parse(String[] args, int from) {
      Args a = new Args();
      for (int i = from; i < args.length; i++) {
        String s = args[i];
        if (s.equals("--json")) {
          a.json = true;
        } else if (s.equals("--strict-check")) {
          a.strictCheck = true;
        } else if (s.equals("--timeout") || s.startsWith("--timeout=")) {
          String v = s.contains("=") ? s.substring(s.indexOf('=') + 1) : i + 1 < args.length ? args[++i] : null;
          if (v == null) {
            throw new IllegalArgumentException("--timeout needs a duration, e.g. 30s");
          }
          a.timeout = Durations.parse("--timeout", v);
        } else if (s.equals("--ports") || s.startsWith("--ports=")) {
          String v = s.contains("=") ? s.substring(s.indexOf('=') + 1) : i + 1 < args.length ? args[++i] : null;
          a.ports = StatusFetcher.parsePorts(v);
          if (a.ports.isEmpty()) {
            throw new IllegalArgumentException("--ports needs a comma-separated list of ports, e.g. 8080,9090");
          }
        } else if (s.startsWith("--")) {
          throw new IllegalArgumentException("unknown option " + s);
        } else {
          a.files.add(s);
        }
      }
      return a;
    }

    /** @throws IllegalArgumentException when a command other than doctor and analyze got --strict-check */
    boolean noStrictCheck(String command) {
      if (strictCheck) {
        throw new IllegalArgumentException(command + " takes no --strict-check (doctor and analyze do)");
      }
      return true;
    }

    /** @throws IllegalArgumentException when the command got file arguments it does not take */
    boolean noFiles(String command) {
      if (!files.isEmpty()) {
        throw new IllegalArgumentException(command + " takes no file arguments, but got " + files);
      }
      return true;
    }
  }

  private int doctor(Args a) {
    Duration timeout = a.timeout != null ? a.timeout : DEFAULT_TIMEOUT;
    try (MeshProbe probe = probes.get()) {
      if (!a.json) {
        out.println("mesh-probe doctor");
        out.flush();
      }
      showProgress(probe);
      Detection d = probe.detect();
      WaitResult w = probe.awaitReady(timeout);
      MeshStatus s = probe.refreshStatus();
      boolean notReady = d.type().hasSidecar() && !w.isReady();
      if (a.json) {
        Map<String, Object> extra = new LinkedHashMap<>();
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("outcome", w.outcome().name());
        ready.put("waitedMillis", w.waited().toMillis());
        ready.put("url", w.url());
        extra.put("ready", ready);
        extra.put("detection", d.toString());
        json(s, extra);
      } else {
        line("detected", d.toString());
        line("ready", w.message());
        human(s);
      }
      return notReady ? NOT_READY : a.strictCheck ? strictExit(s) : s.hasErrors() ? ERRORS : OK;
    }
  }

  /** A wait that lasts more than a second shows it on stderr, once a second, so a person knows what is going on. */
  private void showProgress(MeshProbe probe) {
    probe.addListener(
        new MeshProbeListener() {
          @Override
          public void onWaiting(Detection detection, Duration waited, @Nullable String lastAnswer) {
            if (waited.getSeconds() >= 1) {
              err.println(
                  "mesh-probe: waiting for the "
                      + detection.mesh()
                      + " proxy: "
                      + waited.getSeconds()
                      + "s"
                      + (lastAnswer == null ? "" : " (last: " + lastAnswer + ")"));
              err.flush();
            }
          }
        });
  }

  private int analyze(Args a) {
    if (a.files.isEmpty()) {
      err.println("mesh-probe: analyze needs at least one file");
      err.print(USAGE_TEXT);
      return USAGE;
    }
    List<Path> paths = new ArrayList<>();
    for (String f : a.files) {
      paths.add(Paths.get(f));
    }
    Offline report;
    try {
      report = Offline.analyze(paths, a.ports, Instant.now());
    } catch (IOException e) {
      err.println("mesh-probe: cannot read " + e.getMessage());
      return USAGE;
    }
    MeshStatus s = report.status();
    if (a.json) {
      Map<String, Object> extra = new LinkedHashMap<>();
      extra.put("files", new LinkedHashMap<String, Object>(report.kinds()));
      json(s, extra);
    } else {
      out.println("mesh-probe analyze");
      for (Map.Entry<String, String> k : report.kinds().entrySet()) {
        line("file", k.getKey() + " (" + k.getValue() + ")");
      }
      human(s);
    }
    return a.strictCheck ? strictExit(s) : s.hasErrors() ? ERRORS : OK;
  }

  /** With {@code --strict-check} the exit code answers "ready for STRICT?": 0 yes, 4 no or cannot tell. */
  private static int strictExit(MeshStatus s) {
    return s.strictReadiness().ready() == Tristate.YES ? OK : NOT_STRICT_READY;
  }

  private int waitReady(Args a) {
    Duration timeout = a.timeout != null ? a.timeout : DEFAULT_TIMEOUT;
    try (MeshProbe probe = probes.get()) {
      showProgress(probe);
      WaitResult w = probe.awaitReady(timeout);
      out.println("mesh-probe: " + w.message());
      return w.outcome() == WaitOutcome.READY || w.outcome() == WaitOutcome.NO_PROXY ? OK : NOT_READY;
    }
  }

  private int quit() {
    try (MeshProbe probe = probes.get()) {
      QuitResult q = probe.quitProxy();
      out.println("mesh-probe: quit " + q.outcome().name().toLowerCase(Locale.ROOT) + ": " + q.message());
      return q.outcome() == QuitOutcome.SUCCESS || q.outcome() == QuitOutcome.SKIPPED ? OK : ERRORS;
    }
  }

  private void json(MeshStatus s, Map<String, ?> extra) {
    try {
      StatusDocument.write(s, extra, out);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void human(MeshStatus s) {
    String version = s.proxy().version();
    line(
        "proxy",
        s.proxy().kind()
            + " (" + s.proxy().mesh() + (version == null ? "" : " " + version) + ")"
            + ", native sidecar: " + yesNo(s.proxy().nativeSidecar()));
    Identity id = s.identity();
    line("identity", id == null || id.name() == null ? "unknown" : id.name());
    if (id != null && id.notAfter() != null) {
      Duration left = Duration.between(s.takenAt(), id.notAfter());
      line(
          "cert",
          "valid " + (id.notBefore() == null ? "?" : id.notBefore().toString()) + " to " + id.notAfter()
              + (left.isNegative() ? " (EXPIRED)" : " (" + hours(left) + " left)") + ", from " + id.source());
    } else {
      line("cert", "unknown");
    }
    Double share = s.observedMtlsShare();
    line("mtls", s.mtls() + (share == null ? "" : String.format(Locale.ROOT, " (observed mTLS share %.1f%%)", share * 100))
        + (s.configuredMtls() != s.mtls() ? ", configured " + s.configuredMtls() : ""));
    strict(s);
    health(s);
    if (!s.ports().isEmpty()) {
      out.println();
      out.println(String.format(Locale.ROOT, "  %-6s %-9s %-11s %-12s %s", "PORT", "PROTOCOL", "MTLS", "INTERCEPTED", "OBSERVED MTLS"));
      for (PortStatus p : s.ports()) {
        Double ps = p.observedMtlsShare();
        out.println(
            String.format(
                Locale.ROOT,
                "  %-6d %-9s %-11s %-12s %s",
                p.port(),
                p.protocol(),
                p.mtls(),
                yesNo(p.intercepted()),
                ps == null ? "-" : String.format(Locale.ROOT, "%.1f%%", ps * 100)));
      }
    }
    out.println();
    if (s.findings().isEmpty()) {
      out.println("findings: none");
    } else {
      out.println("findings:");
      for (Finding f : s.findings()) {
        out.println(String.format(Locale.ROOT, "  %-5s %-26s %s", f.severity(), f.code(), f.message()));
      }
    }
    if (!s.notes().isEmpty()) {
      out.println("notes:");
      for (String n : s.notes()) {
        out.println("  " + n);
      }
    }
  }

  /** The plaintext line, the plaintext clients, and "ready for STRICT". */
  private void strict(MeshStatus s) {
    Long count = s.plaintextCount();
    if (count != null) {
      line(
          "plaintext",
          count + " since the proxy started"
              + (s.plaintextRecent() == null ? "" : ", " + s.plaintextRecent() + " since the previous read at " + s.previousRead()));
    }
    for (PlaintextPeer p : s.plaintextPeers()) {
      line(
          "client",
          p.name()
              + (p.principal() == null ? "" : " (" + p.principal() + ")")
              + (p.port() == null ? "" : " -> port " + p.port())
              + ": " + p.count() + " plaintext" + (p.recent() == null ? "" : ", " + p.recent() + " recent"));
    }
    if (s.proxy().kind() != ProxyKind.NONE) {
      line("strict", "ready for STRICT: " + s.strictReadiness().summary());
    }
  }

  /** Control plane, config, memory/CPU and quit path lines; only what the proxy told. */
  private void health(MeshStatus s) {
    ProxyHealth h = s.health();
    if (h.controlPlaneConnected() != Tristate.UNKNOWN || h.lastConfigUpdate() != null || h.configRejected() != null) {
      Instant last = h.lastConfigUpdate();
      line(
          "control",
          (h.controlPlaneConnected() == Tristate.YES ? "connected" : h.controlPlaneConnected() == Tristate.NO ? "DISCONNECTED" : "unknown")
              + (last == null ? "" : ", last config update " + last + " (" + ago(Duration.between(last, s.takenAt())) + " ago)")
              + (h.configRejected() == null ? "" : ", " + h.configRejected() + " rejected"));
    }
    for (String r : h.rejectedConfigs()) {
      line("rejected", r);
    }
    if (h.memoryBytes() != null || h.cpuSeconds() != null) {
      Long m = h.memoryBytes();
      Double c = h.cpuSeconds();
      line(
          "resources",
          (m == null ? "memory unknown" : String.format(Locale.ROOT, "memory %.1f MiB", m / 1048576.0))
              + (c == null ? "" : String.format(Locale.ROOT, ", cpu %.2f s", c)));
    }
    if (h.quitAvailable() != Tristate.UNKNOWN) {
      line("quit", h.quitAvailable() == Tristate.YES ? "available" : "UNAVAILABLE (a Job would hang at its end)");
    }
  }

  private static String ago(Duration d) {
    if (d.isNegative()) {
      return "0m";
    }
    return hours(d);
  }

  private void line(String label, String value) {
    out.println(String.format(Locale.ROOT, "%-9s %s", label, value));
  }

  private static String yesNo(Tristate t) {
    return t == Tristate.YES ? "yes" : t == Tristate.NO ? "no" : "unknown";
  }

  private static String hours(Duration d) {
    long h = d.toHours();
    return h >= 48 ? (h / 24) + "d" : h >= 1 ? h + "h" + (d.toMinutes() % 60) + "m" : d.toMinutes() + "m";
  }
}
