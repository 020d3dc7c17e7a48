package io.meshprobe;

import io.meshprobe.internal.MeshProbeKey;
import io.meshprobe.internal.PodInfo;
import io.meshprobe.internal.QuitOwner;
import io.meshprobe.internal.Settings;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one rule that decides, as the JVM goes down, whether to ask the pod's proxy to quit ({@code meshprobe.quit}).
 *
 * <p><b>Why this is public.</b> It is policy rather than probe API, but two hosts apply it: the mesh-probe agent and
 * the Spring Boot starter, and the starter may use only the public API. One documented rule, fed with facts by
 * both, is what keeps them from answering differently (they used to have one copy each). Apps that call
 * {@link MeshProbe#quitProxy()} themselves do not need it.
 *
 * <h2>The rule, for {@code meshprobe.quit=auto}</h2>
 *
 * Quitting is right when a Job's work is over, and wrong for a long-running service, even when it fails: a service's
 * container is restarted and needs its proxy, and when its pod goes away the kubelet stops the proxy itself. In order:
 *
 * <ol>
 *   <li>another host owns the quit (the starter in a JVM with the agent): no quit;
 *   <li>{@code never}: no quit; {@code always}: quit;
 *   <li>a Spring test context: no quit;
 *   <li>this JVM does not own the pod's quit ({@code meshprobe.quit.owner}: a JVM entered by {@code kubectl exec} or an
 *       exec probe, see {@link Facts#owner()}): no quit;
 *   <li>the JVM ends on SIGTERM/SIGINT/SIGHUP: no quit (the pod is going away);
 *   <li>the workload is a service ({@code meshprobe.workload=service}, or pod labels of a Deployment, StatefulSet or
 *       DaemonSet): no quit;
 *   <li>the app failed, or its exit status is unknown, and {@code meshprobe.quit.on-failure=false}: no quit;
 *   <li>the workload is a Job ({@code meshprobe.workload=job}, or the pod label {@code batch.kubernetes.io/job-name} /
 *       {@code job-name}): quit;
 *   <li>the workload is unknown (today's rules): an app that serves (a bound server port, a web application context)
 *       gets no quit if it failed at start-up, nor when signals cannot be observed; any other own end quits.
 * </ol>
 *
 * Thread-safe: every type here is immutable except {@link Facts.Builder}.
 */
public final class QuitRule {
  private QuitRule() {}

  /** Values of {@code meshprobe.quit}. */
  public enum Policy {
    /** Quit when the app ends on its own, in the JVM that owns the quit, unless it is a long-running service. */
    AUTO,
    /** Quit whenever this JVM shuts down, signals and ownership included. */
    ALWAYS,
    /** Never quit. */
    NEVER;

    /** {@code auto}, {@code always} or {@code never}, any case; {@code null} for anything else. */
    public static @Nullable Policy parse(@Nullable String value) {
      return value == null ? null : parseEnum(Policy.class, value);
    }
  }

  /** What the pod runs ({@code meshprobe.workload}). */
  public enum Workload {
    /** Not known: neither set nor told by the pod's labels. */
    UNKNOWN,
    /** A Job (or CronJob) pod: its work ends, and its proxy must then quit so that the pod completes. */
    JOB,
    /** A long-running service (Deployment, StatefulSet, DaemonSet): restarted when it ends, never completed. */
    SERVICE;

    /** {@code job}, {@code service} or {@code auto} ({@link #UNKNOWN}), any case; {@code null} for anything else. */
    public static @Nullable Workload parse(@Nullable String value) {
      if (value == null) {
        return null;
      }
      return "auto".equalsIgnoreCase(value.trim()) ? UNKNOWN : parseEnum(Workload.class, value);
    }

    /**
     * The workload the pod's labels tell: {@code batch.kubernetes.io/job-name} or {@code job-name} (set by the Job
     * controller) mean {@link #JOB}; {@code pod-template-hash} (ReplicaSet, so Deployment) or
     * {@code controller-revision-hash} (StatefulSet, DaemonSet) mean {@link #SERVICE}; anything else (a bare pod, an
     * Argo or Tekton step) {@link #UNKNOWN}.
     */
    public static Workload fromLabels(Map<String, String> labels) {
      if (labels.containsKey("batch.kubernetes.io/job-name") || labels.containsKey("job-name")) {
        return JOB;
      }
      if (labels.containsKey("pod-template-hash") || labels.containsKey("controller-revision-hash")) {
        return SERVICE;
      }
      return UNKNOWN;
    }
  }

  private static <E extends Enum<E>> @Nullable E parseEnum(Class<E> type, String value) {
    try {
      return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The facts known about this JVM's end, as far as the host could learn them. Immutable; {@link #builder()} and
   * {@link #toBuilder()} make new ones.
   */
  public static final class Facts {
    private final Policy policy;
    private final boolean managedElsewhere;
    private final @Nullable String managedBy;
    private final boolean testContext;
    private final boolean owner;
    private final String ownerReason;
    private final Workload workload;
    private final String workloadSource;
    private final @Nullable String signal;
    private final boolean signalsObservable;
    private final boolean serves;
    private final @Nullable Boolean failed;
    private final boolean startupFailed;
    private final boolean quitOnFailure;

    private Facts(Builder b) {
      policy = b.policy;
      managedElsewhere = b.managedBy != null;
      managedBy = b.managedBy;
      testContext = b.testContext;
      owner = b.owner;
      ownerReason = b.ownerReason;
      workload = b.workload;
      workloadSource = b.workloadSource;
      signal = b.signal;
      signalsObservable = b.signalsObservable;
      serves = b.serves;
      failed = b.failed;
      startupFailed = b.startupFailed;
      quitOnFailure = b.quitOnFailure;
    }

    /** Defaults: {@code auto}, owner, workload unknown, no signal (observable), not serving, not failed, quit on failure. */
    public static Builder builder() {
      return new Builder();
    }

    public Builder toBuilder() {
      Builder b = new Builder();
      b.policy = policy;
      b.managedBy = managedBy;
      b.testContext = testContext;
      b.owner = owner;
      b.ownerReason = ownerReason;
      b.workload = workload;
      b.workloadSource = workloadSource;
      b.signal = signal;
      b.signalsObservable = signalsObservable;
      b.serves = serves;
      b.failed = failed;
      b.startupFailed = startupFailed;
      b.quitOnFailure = quitOnFailure;
      return b;
    }

    public Policy policy() {
      return policy;
    }

    /** Whether another host in this JVM owns the quit (the agent, when the starter asks). */
    public boolean managedElsewhere() {
      return managedElsewhere;
    }

    /**
     * Whether this JVM owns the pod's quit. In Kubernetes only the container's main process tree does: PID 1, or a
     * process PID 1 started (through a shell, tini, dumb-init). A process entered later through {@code kubectl exec}
     * or an exec probe is started by the container runtime from outside the container's PID namespace, so inside it
     * its parent PID is 0 (pid_namespaces(7); runc and containerd exec). See {@code meshprobe.quit.owner}.
     */
    public boolean owner() {
      return owner;
    }

    /** Why this JVM does or does not own the quit, in a few words. */
    public String ownerReason() {
      return ownerReason;
    }

    public Workload workload() {
      return workload;
    }

    /** Where the workload came from ({@code meshprobe.workload=job}, {@code pod label job-name}...). */
    public String workloadSource() {
      return workloadSource;
    }

    /** The signal that started the shutdown ({@code "TERM"}, {@code "INT"}, {@code "HUP"}), or {@code null}. */
    public @Nullable String signal() {
      return signal;
    }

    public boolean signalsObservable() {
      return signalsObservable;
    }

    /** Whether the app serves: a bound server port, a web application context. */
    public boolean serves() {
      return serves;
    }

    /** Whether the app failed; {@code null} when its exit status is not known. */
    public @Nullable Boolean failed() {
      return failed;
    }

    /** Whether the app failed while starting (Spring's ApplicationFailedEvent, an exception out of {@code main}). */
    public boolean startupFailed() {
      return startupFailed;
    }

    public boolean quitOnFailure() {
      return quitOnFailure;
    }

    public boolean testContext() {
      return testContext;
    }

    @Override
    public String toString() {
      return "policy=" + policy + (managedElsewhere ? ", managed by " + managedBy : "") + ", owner=" + owner + " (" + ownerReason + ")"
          + ", workload=" + workload + " (" + workloadSource + "), signal=" + signal + ", serves=" + serves + ", failed=" + failed
          + (startupFailed ? " at start-up" : "") + ", quitOnFailure=" + quitOnFailure;
    }

    /** Collects facts as they become known. Not thread-safe: a host guards its own builder. */
    public static final class Builder {
      private Policy policy = Policy.AUTO;
      private @Nullable String managedBy;
      private boolean testContext;
      private boolean owner = true;
      private String ownerReason = "not checked";
      private Workload workload = Workload.UNKNOWN;
      private String workloadSource = "not known";
      private @Nullable String signal;
      private boolean signalsObservable = true;
      private boolean serves;
      private @Nullable Boolean failed = Boolean.FALSE;
      private boolean startupFailed;
      private boolean quitOnFailure = true;

      private Builder() {}

      public Builder policy(Policy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        return this;
      }

      /** Another host owns the quit in this JVM ({@code who} says which); {@code null} for none. */
      public Builder managedBy(@Nullable String who) {
        this.managedBy = who;
        return this;
      }

      public Builder testContext(boolean testContext) {
        this.testContext = testContext;
        return this;
      }

      public Builder owner(boolean owner, String reason) {
        this.owner = owner;
        this.ownerReason = Objects.requireNonNull(reason, "reason");
        return this;
      }

      public Builder workload(Workload workload, String source) {
        this.workload = Objects.requireNonNull(workload, "workload");
        this.workloadSource = Objects.requireNonNull(source, "source");
        return this;
      }

      public Builder signal(@Nullable String signal) {
        this.signal = signal;
        return this;
      }

      public Builder signalsObservable(boolean observable) {
        this.signalsObservable = observable;
        return this;
      }

      public Builder serves(boolean serves) {
        this.serves = serves;
        return this;
      }

      /** Whether the app failed; {@code null} when its exit status is unknown. */
      public Builder failed(@Nullable Boolean failed) {
        this.failed = failed;
        return this;
      }

      /** The app failed while starting: implies {@link #failed(Boolean) failed(true)}. */
      public Builder startupFailed(boolean startupFailed) {
        this.startupFailed = startupFailed;
        if (startupFailed) {
          this.failed = Boolean.TRUE;
        }
        return this;
      }

      public Builder quitOnFailure(boolean quitOnFailure) {
        this.quitOnFailure = quitOnFailure;
        return this;
      }

      public Facts build() {
        return new Facts(this);
      }
    }
  }

  /** The verdict and its reason, for one log line. */
  public static final class Decision {
    private final boolean quit;
    private final String reason;

    private Decision(boolean quit, String reason) {
      this.quit = quit;
      this.reason = reason;
    }

    /** Whether to ask the proxy to quit. */
    public boolean quit() {
      return quit;
    }

    /** Why, in a few words. */
    public String reason() {
      return reason;
    }

    @Override
    public String toString() {
      return (quit ? "quit: " : "no quit: ") + reason;
    }
  }

  /** Applies the rule (see the class comment) to {@code facts}. */
  public static Decision decide(Facts f) {
    Objects.requireNonNull(f, "facts");
    if (f.managedElsewhere) {
      return new Decision(false, f.managedBy + " owns the quit in this JVM");
    }
    switch (f.policy) {
      case NEVER:
        return new Decision(false, "meshprobe.quit=never");
      case ALWAYS:
        return new Decision(true, "meshprobe.quit=always");
      default:
        break;
    }
    if (f.testContext) {
      return new Decision(false, "a Spring test context never quits the proxy with meshprobe.quit=auto");
    }
    if (!f.owner) {
      return new Decision(false, "this JVM does not own the pod's quit: " + f.ownerReason + " (meshprobe.quit.owner=true overrides)");
    }
    if (f.signal != null) {
      return new Decision(false, "the JVM was stopped by SIG" + f.signal + ": the pod is being deleted and the kubelet stops the proxy");
    }
    if (f.workload == Workload.SERVICE) {
      return new Decision(
          false, "a long-running service (" + f.workloadSource + ") is restarted, not completed, and needs its proxy; the kubelet stops the proxy with the pod");
    }
    if (!f.quitOnFailure) {
      if (f.failed == null) {
        return new Decision(false, "the exit status is unknown and meshprobe.quit.on-failure=false (a restarted app needs the proxy)");
      }
      if (f.failed) {
        return new Decision(false, "the app failed and meshprobe.quit.on-failure=false (a restarted app needs the proxy)");
      }
    }
    String failedNote = Boolean.TRUE.equals(f.failed) ? " (failed)" : "";
    if (f.workload == Workload.JOB) {
      return new Decision(true, "the Job's work is over" + failedNote + " (" + f.workloadSource + ")");
    }
    if (f.serves && f.startupFailed) {
      return new Decision(
          false,
          "an app that serves failed at start-up: taken to be a service, which is restarted and needs its proxy"
              + " (set meshprobe.workload=job if it is a Job)");
    }
    if (f.serves && !f.signalsObservable) {
      return new Decision(false, "signals cannot be observed here and an app that serves is taken to be a long-running service");
    }
    return new Decision(true, "the app ended on its own" + failedNote);
  }

  /**
   * The facts this JVM's configuration and pod tell, for {@code probe}: {@code meshprobe.quit},
   * {@code meshprobe.quit.on-failure}, the workload ({@code meshprobe.workload}, else the pod labels in the probe's
   * {@code meshprobe.podinfo.dir}) and the ownership of the quit ({@code meshprobe.quit.owner}, else the process
   * tree, in Kubernetes). Reads a few small files; the host adds what it learns later (signal, failure, serving).
   * Invalid values are one WARN line each and their defaults apply.
   */
  public static Facts.Builder facts(MeshProbe probe) {
    Settings s = new Settings(probe.settingsSource());
    Facts.Builder b = Facts.builder();
    b.policy(Policy.valueOf(s.choice(MeshProbeKey.QUIT, "auto", "always", "never").toUpperCase(Locale.ROOT)));
    b.quitOnFailure(s.bool(MeshProbeKey.QUIT_ON_FAILURE));
    String workload = s.choice(MeshProbeKey.WORKLOAD, "auto", "job", "service");
    if (!workload.equals("auto")) {
      b.workload(Workload.parse(workload), MeshProbeKey.WORKLOAD.key() + "=" + workload);
    } else {
      PodInfo pod = PodInfo.read(probe.podInfoDir());
      Workload fromLabels = pod == null ? Workload.UNKNOWN : Workload.fromLabels(pod.labels());
      b.workload(fromLabels, pod == null ? "no pod labels in " + probe.podInfoDir() : "pod labels in " + probe.podInfoDir());
    }
    QuitOwner owner =
        QuitOwner.decide(
            s.choice(MeshProbeKey.QUIT_OWNER, "auto", "true", "false"), probe.settingsSource().env("KUBERNETES_SERVICE_HOST") != null);
    b.owner(owner.owner, owner.reason);
    return b;
  }
}
