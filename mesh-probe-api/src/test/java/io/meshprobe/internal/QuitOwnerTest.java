package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ownership rule on fake {@code /proc} trees; the forked-JVM tests in a real PID namespace are the agent's ITs. */
class QuitOwnerTest {
  @TempDir Path proc;

  private void process(long pid, long ppid, String comm, String cgroup, long start) throws IOException {
    Path d = Files.createDirectories(proc.resolve(Long.toString(pid)));
    Files.write(d.resolve("status"), ("Name:\t" + comm + "\nPid:\t" + pid + "\nPPid:\t" + ppid + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(d.resolve("comm"), (comm + "\n").getBytes(StandardCharsets.UTF_8));
    Files.write(d.resolve("cgroup"), (cgroup + "\n").getBytes(StandardCharsets.UTF_8));
    StringBuilder stat = new StringBuilder(pid + " (" + comm + " x) S " + ppid);
    for (int field = 5; field <= 21; field++) {
      stat.append(" 0");
    }
    stat.append(' ').append(start).append(" 0 0\n");
    Files.write(d.resolve("stat"), stat.toString().getBytes(StandardCharsets.UTF_8));
  }

  private void self(long pid) throws IOException {
    Files.createSymbolicLink(proc.resolve("self"), proc.resolve(Long.toString(pid)));
  }

  @Test
  void pid1AndWhatItStartedOwnTheQuit() throws IOException {
    process(1, 0, "tini", "0::/", 10);
    process(7, 1, "sh", "0::/", 11);
    process(9, 7, "java", "0::/", 12);
    self(9);
    QuitOwner o = QuitOwner.decide("auto", true, proc);
    assertThat(o.owner).isTrue();
    assertThat(o.reason).isEqualTo("PID 1 of the container started this JVM");
  }

  @Test
  void aJvmEnteredByExecDoesNotOwnIt() throws IOException {
    process(1, 0, "java", "0::/", 10);
    process(40, 0, "sh", "0::/", 500); // kubectl exec ... sh: its parent is the runtime, outside the namespace
    process(41, 40, "java", "0::/", 501);
    self(41);
    QuitOwner o = QuitOwner.decide("auto", true, proc);
    assertThat(o.owner).isFalse();
    assertThat(o.reason).contains("process 40").contains("parent PID 0");
    assertThat(QuitOwner.decide("true", true, proc).owner).as("overridden").isTrue();
    assertThat(QuitOwner.decide("auto", false, proc).owner).as("outside Kubernetes").isTrue();
  }

  @Test
  void inASharedProcessNamespaceTheOldestProcessOfTheContainerOwnsIt() throws IOException {
    process(1, 0, "pause", "0::/../pod/pause", 1);
    process(7, 0, "java", "0::/../pod/app", 20); // the app container's main process
    process(8, 0, "envoy", "0::/../pod/istio-proxy", 15);
    process(30, 0, "java", "0::/../pod/app", 900); // kubectl exec into the app container
    self(7);
    assertThat(QuitOwner.decide("auto", true, proc).owner).isTrue();
    Files.delete(proc.resolve("self"));
    self(30);
    QuitOwner o = QuitOwner.decide("auto", true, proc);
    assertThat(o.owner).isFalse();
    assertThat(o.reason).contains("after its main process 7");
  }

  @Test
  void anUnreadableTreeKeepsTodaysBehaviour() {
    QuitOwner o = QuitOwner.decide("auto", true, proc.resolve("missing"));
    assertThat(o.owner).isTrue();
    assertThat(o.reason).startsWith("the process tree cannot be read");
  }
}
