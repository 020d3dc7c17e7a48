package io.meshprobe.spring.boot.autoconfigure;

import org.jspecify.annotations.Nullable;

/**
 * Decides, once every Spring context is closed and the JVM is going down, whether to ask the proxy to quit.
 *
 * <p>The {@code auto} rule is the agent's: quit when the app ended on its own, never when the JVM was stopped by a
 * signal. In Kubernetes the two cases are different lives of a pod:
 *
 * <ul>
 *   <li>A Job (a {@code CommandLineRunner}, a Spring Batch job) finishes: {@code main} returns, or the app calls
 *       {@code System.exit(SpringApplication.exit(context))}. No signal is involved. The proxy must quit, or the pod
 *       never completes.
 *   <li>A long-running service (a web app) is stopped by the kubelet's SIGTERM. The pod is being deleted and the
 *       kubelet stops the proxy itself, after the app; quitting it now would cut the app's last calls (draining
 *       requests, a final flush) while the web server is still draining elsewhere in the pod.
 * </ul>
 *
 * Whether a signal started the shutdown is recorded by {@link TerminationSignals}. Where signals cannot be observed,
 * the app type stands in for them: a web app is taken to be a long-running service and is left alone, anything else
 * is taken to be a job.
 */
final class QuitRule {
  private QuitRule() {}

  /** The facts the rule looks at. */
  static final class Facts {
    QuitPolicy policy = QuitPolicy.AUTO;
    boolean agentAttached;
    boolean testContext;
    @Nullable String signal;
    boolean signalsObservable = true;
    boolean webApp;
    boolean failed;
    boolean quitOnFailure = true;
  }

  /** The verdict and the reason, logged in one line. */
  static final class Decision {
    final boolean quit;
    final String reason;

    Decision(boolean quit, String reason) {
      this.quit = quit;
      this.reason = reason;
    }

    @Override
    public String toString() {
      return (quit ? "quit: " : "no quit: ") + reason;
    }
  }

  static Decision decide(Facts f) {
    if (f.agentAttached) {
      return new Decision(false, "the mesh-probe agent is attached and quits after every shutdown hook");
    }
    switch (f.policy) {
      case NEVER:
        return new Decision(false, QuitPolicy.KEY + "=never");
      case ALWAYS:
        return new Decision(true, QuitPolicy.KEY + "=always");
      default:
        break;
    }
    if (f.testContext) {
      return new Decision(false, "a Spring test context never quits the proxy with " + QuitPolicy.KEY + "=auto");
    }
    if (f.signal != null) {
      return new Decision(
          false, "the JVM was stopped by SIG" + f.signal + ": the pod is being deleted and the kubelet stops the proxy");
    }
    if (!f.signalsObservable && f.webApp) {
      return new Decision(false, "signals cannot be observed here and a web app is taken to be a long-running service");
    }
    if (f.failed && !f.quitOnFailure) {
      return new Decision(false, "the app failed and meshprobe.quit.on-failure=false");
    }
    return new Decision(true, "the app ended on its own" + (f.failed ? " (failed)" : ""));
  }
}
