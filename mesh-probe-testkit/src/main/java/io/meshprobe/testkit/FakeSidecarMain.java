package io.meshprobe.testkit;

import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Command line: runs a {@link FakeSidecar} until it is asked to quit (then exits 0) or the JVM is interrupted.
 * Run {@code java -jar mesh-probe-testkit.jar --help} for the flags.
 */
public final class FakeSidecarMain {

  static final String USAGE = String.join("\n",
      "usage: java -jar mesh-probe-testkit.jar --mesh istio|linkerd|envoy [options]",
      "",
      "Runs a fake mesh sidecar serving real recorded proxy payloads until it is asked to quit",
      "(exit 0) or interrupted. Prints one line per bound port and 'READY epochMillis=<ms>' when ready.",
      "",
      "  --mesh istio|linkerd|envoy   which proxy to impersonate (required)",
      "                               istio: ENVOY_ADMIN 15000, ISTIO_STATUS 15020, ISTIO_READINESS 15021",
      "                               linkerd: LINKERD_ADMIN 4191; envoy: ENVOY_ADMIN 9901",
      "  --free-ports                 bind every port to a free ephemeral port",
      "  --port NAME=N                move one port, e.g. --port ENVOY_ADMIN=19000 (repeatable)",
      "  --bind ADDR                  address to bind (default 127.0.0.1; ::1 or 0.0.0.0 also work)",
      "  --listen-after DURATION      refuse connections (ports unbound) for this long first",
      "  --ready-after DURATION       answer not-ready for this long after listening (default 0)",
      "  --never-ready                never become ready",
      "  --config-dump FIXTURE        /config_dump payload, relative to fixtures/ or a file path",
      "  --certs FIXTURE              /certs payload, relative to fixtures/ or a file path",
      "  --native-sidecar             istio: list istio-proxy under initContainers (derived scenario)",
      "  --istio-version V            istio: serve ISTIO_VERSION V (derived scenario)",
      "  --shutdown-enabled           linkerd: enable POST /shutdown (default: 404, as since 2024)",
      "  --linger-on-quit             quit answers 200 but the proxy keeps running",
      "  --fault PATH=SPEC            script a fault on a path (repeatable); SPEC is one of",
      "                               status:CODE[:BODY], hang, reset, reset-before-body,",
      "                               slow-body:DURATION[:BODY], headers-then-hang, garbage,",
      "                               huge-body:BYTES (k/m/g suffixes), redirect:URL, flapping",
      "  --log-requests               print one line per request",
      "  --help                       this text",
      "",
      "DURATION: 500ms, 2s, 1m. Exit codes: 0 after quit, 1 if a port cannot be bound, 2 on bad usage.",
      "");

  private FakeSidecarMain() {
  }

  /** Entry point; see {@link #USAGE}. */
  public static void main(String[] args) {
    int code = run(args, System.out, System.err, new Hook() {
      @Override
      public void started(final FakeSidecar sidecar) {
        Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
          @Override
          public void run() {
            sidecar.close();
          }
        }, "fake-sidecar-shutdown-hook"));
      }
    });
    System.out.flush();
    System.exit(code);
  }

  /** Called once the sidecar started (tests use it to reach the instance; main adds a shutdown hook). */
  interface Hook {
    void started(FakeSidecar sidecar);
  }

  /** Parses, starts, blocks until the sidecar stops; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err, Hook hook) {
    FakeSidecar.Builder b;
    try {
      b = parse(args, out);
    } catch (UsageError e) {
      err.println("fake-sidecar: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    if (b == null) {
      return 0; // --help
    }
    FakeSidecar sidecar;
    try {
      sidecar = b.build();
    } catch (IllegalArgumentException e) {
      err.println("fake-sidecar: " + e.getMessage());
      return 2;
    }
    try {
      sidecar.start();
    } catch (UncheckedIOException e) {
      err.println(e.getMessage());
      sidecar.close();
      return 1;
    }
    if (hook != null) {
      hook.started(sidecar);
    }
    try {
      while (!sidecar.awaitStopped(Duration.ofHours(1))) {
        // keep running
      }
    } catch (InterruptedException e) {
      sidecar.close();
      Thread.currentThread().interrupt();
      return 130;
    }
    sidecar.close();
    return 0;
  }

  /** Null means --help was printed. Options may come in any order; they apply once --mesh is known. */
  static FakeSidecar.Builder parse(String[] args, PrintStream out) throws UsageError {
    Personality personality = null;
    List<Consumer<FakeSidecar.Builder>> steps = new ArrayList<Consumer<FakeSidecar.Builder>>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String inline = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) { // --flag=value
        inline = arg.substring(eq + 1);
        arg = arg.substring(0, eq);
      }
      switch (arg) {
        case "--help":
        case "-h":
          out.print(USAGE);
          return null;
        case "--free-ports":
          steps.add(noValue(arg, inline, b -> b.freePorts()));
          break;
        case "--never-ready":
          steps.add(noValue(arg, inline, b -> b.readyManually()));
          break;
        case "--native-sidecar":
          steps.add(noValue(arg, inline, b -> b.nativeSidecar(true)));
          break;
        case "--shutdown-enabled":
          steps.add(noValue(arg, inline, b -> b.shutdownEnabled(true)));
          break;
        case "--linger-on-quit":
          steps.add(noValue(arg, inline, b -> b.stopOnQuit(false)));
          break;
        case "--log-requests":
          steps.add(noValue(arg, inline, b -> b.logRequests(true)));
          break;
        default: {
          if (!VALUED.contains(arg)) {
            throw new UsageError("unknown option " + args[i]);
          }
          String value = inline != null ? inline : next(args, ++i, arg);
          if (arg.equals("--mesh")) {
            try {
              personality = Personality.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
              throw new UsageError("unknown mesh '" + value + "' (istio, linkerd or envoy)");
            }
          } else {
            steps.add(option(arg, value));
          }
        }
      }
    }
    if (personality == null) {
      throw new UsageError("--mesh is required");
    }
    FakeSidecar.Builder b = FakeSidecar.builder(personality).log(out);
    try {
      for (Consumer<FakeSidecar.Builder> step : steps) {
        step.accept(b);
      }
    } catch (IllegalArgumentException e) {
      throw new UsageError(e.getMessage());
    }
    return b;
  }

  private static final List<String> VALUED = Arrays.asList("--mesh", "--port", "--bind", "--listen-after",
      "--ready-after", "--config-dump", "--certs", "--istio-version", "--fault");

  private static Consumer<FakeSidecar.Builder> noValue(String name, String inline, Consumer<FakeSidecar.Builder> step)
      throws UsageError {
    if (inline != null) {
      throw new UsageError(name + " takes no value");
    }
    return step;
  }

  private static Consumer<FakeSidecar.Builder> option(String name, String value) {
    switch (name) {
      case "--port":
        return b -> {
          String[] kv = split(value, "--port NAME=N");
          SidecarPort p;
          try {
            p = SidecarPort.valueOf(kv[0].trim().toUpperCase(Locale.ROOT).replace('-', '_'));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown port name '" + kv[0]
                + "' (ENVOY_ADMIN, ISTIO_STATUS, ISTIO_READINESS, LINKERD_ADMIN)");
          }
          try {
            b.port(p, Integer.parseInt(kv[1].trim()));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port number '" + kv[1] + "'");
          }
        };
      case "--bind":
        return b -> b.bindAddress(value);
      case "--listen-after":
        return b -> b.listenAfter(Durations.parse(value));
      case "--ready-after":
        return b -> b.readyAfter(Durations.parse(value));
      case "--config-dump":
        return b -> b.configDump(value);
      case "--certs":
        return b -> b.certs(value);
      case "--istio-version":
        return b -> b.istioVersion(value);
      default: // --fault
        return b -> {
          String[] kv = split(value, "--fault PATH=SPEC");
          b.fault(kv[0], Fault.parse(kv[1]));
        };
    }
  }

  private static String[] split(String value, String form) {
    int eq = value.indexOf('=');
    if (eq <= 0 || eq == value.length() - 1) {
      throw new IllegalArgumentException("expected " + form + ", got '" + value + "'");
    }
    return new String[] {value.substring(0, eq), value.substring(eq + 1)};
  }

  private static String next(String[] args, int i, String option) throws UsageError {
    if (i >= args.length) {
      throw new UsageError(option + " needs a value");
    }
    return args[i];
  }

  /** Bad command line: message, usage, exit 2. */
  static final class UsageError extends Exception {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
      super(message);
    }
  }
}
