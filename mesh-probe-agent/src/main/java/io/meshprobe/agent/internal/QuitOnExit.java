package io.meshprobe.agent.internal;

import io.meshprobe.QuitResult;
import io.meshprobe.internal.Durations;
import java.util.List;

/**
 * The agent's shutdown hook ({@code mesh-probe-quit}): decides whether the JVM's end calls for a quit, waits for
 * every other application shutdown hook (bounded by {@code meshprobe.quit.hooks-timeout}), then asks the proxy
 * to quit (bounded by {@code meshprobe.quit.timeout}). It never calls {@code exit} or {@code halt}, so the exit
 * code is the app's.
 */
final class QuitOnExit implements Runnable {
  private final AgentState state;
  private final AgentConfig config;
  private final ExitWatch exit;
  private volatile ShutdownHooks hooks;

  QuitOnExit(AgentState state, AgentConfig config, ExitWatch exit) {
    this.state = state;
    this.config = config;
    this.exit = exit;
  }

  void hooks(ShutdownHooks hooks) {
    this.hooks = hooks;
  }

  /** Why there is no quit for this end of the JVM, or {@code null} to quit. */
  String skipReason() {
    exit.inferFromThreads();
    String signal = exit.signal();
    if (config.quit == AgentConfig.QuitPolicy.AUTO && signal != null) {
      return "the JVM ends on " + signal + " (the pod is going away; the kubelet stops the proxy)";
    }
    if (!config.quitOnFailure) {
      Integer code = exit.exitCode();
      if (code == null) {
        return "System.exit was called before the exit-status watch was in place, so the code is unknown, and"
            + " meshprobe.quit.on-failure=false (the app may be restarted and needs the proxy)";
      }
      if (code != 0) {
        return "exit code " + code + " and meshprobe.quit.on-failure=false (the app may be restarted and needs the proxy)";
      }
    }
    return null;
  }

  @Override
  public void run() {
    try {
      String skip = skipReason();
      if (skip != null) {
        AgentLog.debug("no quit: " + skip);
        return;
      }
      ShutdownHooks h = hooks;
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
      AgentLog.warn("quit failed: " + t);
    }
  }
}
