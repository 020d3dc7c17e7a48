package io.meshprobe.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.jspecify.annotations.Nullable;

/**
 * Whether this JVM owns the pod's quit ({@code meshprobe.quit.owner}): exactly one process tree per container may
 * quit the proxy the pod shares, the container's main one.
 *
 * <h2>The facts the rule stands on</h2>
 *
 * <ul>
 *   <li>A container's entrypoint is the first process of its PID namespace: PID 1. What it starts (a JVM under
 *       {@code sh -c}, tini or dumb-init) has PID 1 among its ancestors; so do orphans, which the kernel re-parents to
 *       PID 1 (pid_namespaces(7)).
 *   <li>{@code kubectl exec} and exec probes go through the CRI's {@code Exec}/{@code ExecSync}, i.e. {@code runc exec}:
 *       the runtime (shim, runc) starts the process from outside the container's PID namespace and joins it with
 *       {@code setns}. A process whose parent is in another PID namespace sees parent PID 0 ({@code getppid()}
 *       returns 0, pid_namespaces(7); containerd#1430 shows an exec'd shell with PPID 0 beside PID 1's). So the
 *       ancestors of an exec'd JVM end at a process with PPid 0 that is not PID 1.
 *   <li>With {@code shareProcessNamespace: true} PID 1 is the pod's pause process, and every container's main process
 *       has PPid 0 as well (kubernetes#29747). Then the main process is the oldest PPid-0 process of the container's
 *       cgroup: an exec'd one always starts later.
 * </ul>
 *
 * Rule for {@code auto}: outside Kubernetes ({@code KUBERNETES_SERVICE_HOST} unset) every JVM owns its quit, as before
 * (a CI job run through {@code docker exec} must not lose its quits). Inside: walk the PPid chain from this process;
 * reaching PID 1 means the main tree (owner); ending at another process R with PPid 0 means R was entered from outside
 * (not owner), unless PID 1 is {@code pause} and R is the oldest PPid-0 process of this cgroup. If {@code /proc} cannot
 * be read, owner (today's behaviour). Costs a few small {@code /proc} reads (more only in the shared case).
 */
public final class QuitOwner {
  private static final int MAX_DEPTH = 64;

  public final boolean owner;
  public final String reason;

  private QuitOwner(boolean owner, String reason) {
    this.owner = owner;
    this.reason = reason;
  }

  /** {@code setting}: {@code auto}, {@code true} or {@code false}. */
  public static QuitOwner decide(String setting, boolean inKubernetes) {
    return decide(setting, inKubernetes, Paths.get("/proc"));
  }

  static QuitOwner decide(String setting, boolean inKubernetes, Path proc) {
    if (setting.equals("true")) {
      return new QuitOwner(true, "meshprobe.quit.owner=true");
    }
    if (setting.equals("false")) {
      return new QuitOwner(false, "meshprobe.quit.owner=false");
    }
    if (!inKubernetes) {
      return new QuitOwner(true, "not in Kubernetes");
    }
    try {
      return fromProcessTree(proc);
    } catch (IOException | RuntimeException e) {
      return new QuitOwner(true, "the process tree cannot be read (" + e + ")");
    }
  }

  static QuitOwner fromProcessTree(Path proc) throws IOException {
    long self = Long.parseLong(proc.resolve("self").toRealPath().getFileName().toString());
    long pid = self;
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
      if (pid == 1) {
        return new QuitOwner(true, self == 1 ? "this JVM is PID 1 of the container" : "PID 1 of the container started this JVM");
      }
      long parent = ppid(proc, pid);
      if (parent == 0) {
        return entered(proc, self, pid);
      }
      pid = parent;
    }
    return new QuitOwner(true, "the process tree is deeper than " + MAX_DEPTH);
  }

  /** {@code root} has PPid 0 and is not PID 1: entered from outside, unless it is a shared namespace's main process. */
  private static QuitOwner entered(Path proc, long self, long root) throws IOException {
    String what = self == root ? "this JVM" : "process " + root + ", an ancestor of this JVM,";
    String init = comm(proc, 1);
    if (!"pause".equals(init)) {
      return new QuitOwner(
          false, what + " was started from outside the container (parent PID 0, as kubectl exec and exec probes are), not by PID 1");
    }
    String cgroup = read(proc.resolve(root + "/cgroup"));
    long start = startTime(proc, root);
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc)) {
      for (Path d : dirs) {
        String name = d.getFileName().toString();
        if (!isNumber(name)) {
          continue;
        }
        long pid = Long.parseLong(name);
        if (pid == root || pid == 1) {
          continue;
        }
        try {
          if (ppid(proc, pid) == 0 && cgroup.equals(read(d.resolve("cgroup"))) && startTime(proc, pid) < start) {
            return new QuitOwner(
                false, what + " was started from outside the container after its main process " + pid + " (shared process namespace)");
          }
        } catch (IOException | RuntimeException gone) {
          // the process ended meanwhile
        }
      }
    }
    return new QuitOwner(true, "the oldest process of the container (shared process namespace) started this JVM");
  }

  private static boolean isNumber(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  static long ppid(Path proc, long pid) throws IOException {
    for (String line : read(proc.resolve(pid + "/status")).split("\n")) {
      if (line.startsWith("PPid:")) {
        return Long.parseLong(line.substring(5).trim());
      }
    }
    throw new IOException("no PPid in " + proc.resolve(pid + "/status"));
  }

  private static @Nullable String comm(Path proc, long pid) {
    try {
      return read(proc.resolve(pid + "/comm")).trim();
    } catch (IOException e) {
      return null;
    }
  }

  /** Field 22 of {@code /proc/<pid>/stat}, counted after the command name in parentheses (which may hold spaces). */
  private static long startTime(Path proc, long pid) throws IOException {
    String stat = read(proc.resolve(pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[19]);
  }

  private static String read(Path file) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
  }
}
