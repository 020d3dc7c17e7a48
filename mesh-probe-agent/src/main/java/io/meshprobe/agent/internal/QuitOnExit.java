package io.meshprobe.agent.internal;

import io.meshprobe.Detection;
import io.meshprobe.QuitResult;
import io.meshprobe.QuitRule;
import io.meshprobe.internal.Durations;
import java.util.List;

/**
 * The agent's shutdown hook ({@code mesh-probe-quit}), registered from premain on in every wait mode, so that a JVM
 * ending at any moment (a Job whose {@code main} returns before the proxy is ready) is covered. At shutdown it
 * gathers the facts of this end (signal, exit status, a crash of {@code main}, listening ports) on top of the facts
 * known at start (policy, ownership, workload), lets the library's one rule ({@link QuitRule}) decide, waits for every
 * other application shutdown hook (bounded by {@code meshprobe.quit.hooks-timeout}), then asks the proxy to quit
 * (bounded by {@code meshprobe.quit.timeout}). It never calls {@code exit} or {@code halt}, so the exit code is the
 * app's.
 */
final class QuitOnExit implements Runnable {
  private final AgentState state;
  private final ExitWatch exit;
  private final QuitRule.Facts atStart;
  private final AgentConfig config;
  private final ShutdownHooks.Capture hooks;
  /** Whether this JVM was ever seen listening on a TCP port (a server). */
  private volatile boolean served;

  QuitOnExit(AgentState state, AgentConfig config, ExitWatch exit, QuitRule.Facts atStart, ShutdownHooks.Capture hooks) {
    this.state = state;
    this.config = config;
    this.exit = exit;
    this.atStart = atStart;
    this.hooks = hooks;
  }

  /** Records a read of this JVM's listening ports. */
  void listening(int[] ports) {
    if (ports.length > 0) {
      served = true;
    }
  }

  /** The facts of this end of the JVM, for the rule. */
  QuitRule.Facts facts() {
    exit.inferFromThreads();
    String signal = exit.signal();
    Integer code = exit.exitCode();
    QuitRule.Facts.Builder f =
        atStart.toBuilder()
            .signal(signal == null ? null : signal.substring(3))
            .failed(code == null ? null : code != 0)
            .startupFailed(exit.mainThrew());
    // Whether the app serves matters only when it crashed and the workload is not known: read the ports then only.
    if (exit.mainThrew() && atStart.workload() == QuitRule.Workload.UNKNOWN && !served) {
      listening(ListeningPorts.read());
    }
    return f.serves(served).build();
  }

  /** Why there is no quit for this end of the JVM, or {@code null} to quit. */
  String skipReason() {
    Detection d = state.detection();
    if (d != null && !d.type().hasSidecar()) {
      return "no sidecar proxy to quit (" + d.mesh() + ")";
    }
    QuitRule.Decision decision = QuitRule.decide(facts());
    return decision.quit() ? null : decision.reason();
  }

  @Override
  public void run() {
    try {
      String skip = skipReason();
      if (skip != null) {
        AgentLog.debug("no quit: " + skip);
        return;
      }
      ShutdownHooks h = hooks.hooks();
      if (h != null) {
        List<String> late = h.awaitOthers(System.nanoTime() + config.hooksTimeout.toNanos());
        if (!late.isEmpty()) {
          AgentLog.warn(
              "quitting the proxy although shutdown hooks " + late + " still run after " + Durations.format(config.hooksTimeout)
                  + " (meshprobe.quit.hooks-timeout)");
        }
      }
      QuitResult r = state.probe().quitProxy();
      switch (r.outcome()) {
        case SUCCESS:
          AgentLog.info("asked the " + state.getMesh() + " proxy to quit: " + r.message());
          break;
        case SKIPPED:
          AgentLog.debug("quit skipped: " + r.message());
          break;
        default:
          // The library has already printed its one warning line (e.g. which Linkerd annotation to set).
          break;
      }
    } catch (Throwable t) {
      quiet("quit failed: ", t);
    }
  }

  /** One short line, never a stack trace; under memory pressure even the line may be dropped. */
  static void quiet(String prefix, Throwable t) {
    try {
      AgentLog.warn(prefix + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    } catch (Throwable ignored) {
      // out of memory even for one line
    }
  }
}
