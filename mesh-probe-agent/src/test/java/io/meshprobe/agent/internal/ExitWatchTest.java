package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * How the JVM ends, as {@link ExitWatch} learns it at shutdown: each case forks {@link ExitWatchMain} on this JVM and
 * ends it for real (a SIGTERM, a {@code System.exit} call, the last thread ending, an uncaught exception in main), so
 * the thread names and stacks the watch reads are the JDK's own, not a copy of its table.
 */
class ExitWatchTest {
  private static final long DEADLINE_S = 30;

  @Test
  @DisabledOnOs(OS.WINDOWS) // no SIGTERM there
  void aSigtermIsSeenOnTheJdksSignalHandlerThread() throws Exception {
    Forked app = Forked.start("signal");
    assertThat(app.line()).as("the app's first line; stderr: %s", app.stderr()).isEqualTo("waiting");
    // kill(1), not Process.destroy(): destroy() also closes our end of the app's stdout, and the hook's line is lost.
    Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(app.process.pid())).inheritIO().start();
    assertThat(kill.waitFor(DEADLINE_S, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -TERM").isTrue();
    assertThat(app.exit()).isEqualTo(143);
    assertThat(app.line()).as("stderr: %s", app.stderr()).isEqualTo("exitCode=143 signal=SIGTERM");
  }

  @Test
  void anExitCallIsSeenAsOneWithAnUnknownStatusWithoutTheExitPatch() throws Exception {
    Forked app = Forked.start("exit");
    assertThat(app.exit()).isEqualTo(7);
    assertThat(app.line()).as("stderr: %s", app.stderr()).isEqualTo("exitCode=null signal=null");
  }

  @Test
  void theLastThreadEndingIsCodeZero() throws Exception {
    Forked app = Forked.start("return");
    assertThat(app.exit()).isZero();
    assertThat(app.line()).as("stderr: %s", app.stderr()).isEqualTo("exitCode=0 signal=null");
  }

  @Test
  void anUncaughtExceptionInMainIsCodeOneLikeTheLaunchers() throws Exception {
    Forked app = Forked.start("throw");
    assertThat(app.exit()).isEqualTo(1);
    assertThat(app.line()).as("stderr: %s", app.stderr()).isEqualTo("exitCode=1 signal=null");
    assertThat(String.join("\n", app.stderr())).as("the JDK's own report still printed").contains("IllegalStateException: app failed");
  }

  @Test
  void withNoThreadInShutdownExitTheJvmEndsOnItsOwnWithCodeZero() {
    ExitWatch w = new ExitWatch(Thread.currentThread());
    w.inferFromThreads(); // nothing is exiting in this test JVM
    assertThat(w.signal()).isNull();
    assertThat(w.exitCode()).isZero();
  }

  @Test
  void aPatchedStatusIsTheExitCode() {
    ExitWatch w = new ExitWatch(Thread.currentThread());
    w.apply(3);
    w.apply(0); // only the first exit call counts
    w.inferFromThreads();
    assertThat(w.exitCode()).isEqualTo(3);
    assertThat(w.signal()).isNull();
    ExitWatch term = new ExitWatch(Thread.currentThread());
    term.apply(143);
    assertThat(term.signal()).isEqualTo("SIGTERM");
  }

  /** {@link ExitWatchMain} in a JVM of its own: this JVM's java and class path. */
  private static final class Forked {
    final Process process;
    final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    final List<String> stderr = new ArrayList<>();
    final List<Thread> drains = new ArrayList<>();

    private Forked(Process process) {
      this.process = process;
    }

    static Forked start(String mode) throws IOException {
      String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
      Process p =
          new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ExitWatchMain.class.getName(), mode).start();
      Forked f = new Forked(p);
      f.drains.add(drain(new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)), f.stdout));
      f.drains.add(drain(new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8)), f.stderr));
      return f;
    }

    private static Thread drain(BufferedReader in, java.util.Collection<String> into) {
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader r = in) {
                  for (String l; (l = r.readLine()) != null; ) {
                    synchronized (into) {
                      into.add(l);
                    }
                  }
                } catch (IOException ignored) {
                  // the process is gone
                }
              },
              "exit-watch-test-drain");
      t.setDaemon(true);
      t.start();
      return t;
    }

    /** The next stdout line, or {@code null} after the deadline. */
    String line() throws InterruptedException {
      return stdout.poll(DEADLINE_S, TimeUnit.SECONDS);
    }

    int exit() throws InterruptedException {
      if (!process.waitFor(DEADLINE_S, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the forked JVM did not end in " + DEADLINE_S + " s; stderr: " + stderr());
      }
      for (Thread t : drains) {
        t.join(TimeUnit.SECONDS.toMillis(DEADLINE_S)); // the pipes close with the process: all output is in
      }
      return process.exitValue();
    }

    List<String> stderr() {
      synchronized (stderr) {
        return new ArrayList<>(stderr);
      }
    }
  }
}
