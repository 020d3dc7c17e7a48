package io.meshprobe.envoytests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real {@code envoy} as a child process: {@code --concurrency 1}, a base id of its own for every start, hot
 * restart off (no shared memory left behind by a killed Envoy), its bootstrap and logs in its own directory. Every
 * started Envoy is killed when the JVM exits, whatever happened to the test.
 */
public final class EnvoyProcess implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger NEXT_BASE_ID = new AtomicInteger((int) (ProcessHandle.current().pid() % 100_000) * 100);

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "envoy-reaper"));
  }

  private final Path binary;
  private final Path dir;
  private final String bootstrap;
  private final int drainTimeSeconds;
  private volatile Process process;
  private volatile int starts;

  public EnvoyProcess(Path binary, Path dir, String bootstrap, int drainTimeSeconds) {
    this.binary = binary;
    this.dir = dir.toAbsolutePath();
    this.bootstrap = bootstrap;
    this.drainTimeSeconds = drainTimeSeconds;
  }

  /** Starts Envoy (again, after an exit or a kill). */
  public synchronized EnvoyProcess start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException("envoy is already running (pid " + process.pid() + ")");
    }
    try {
      Files.createDirectories(dir);
      Path config = dir.resolve("bootstrap.json");
      Files.write(config, bootstrap.getBytes(StandardCharsets.UTF_8));
      int run = ++starts;
      List<String> cmd = new ArrayList<>();
      cmd.add(binary.toString());
      cmd.add("-c");
      cmd.add(config.toString());
      cmd.add("--concurrency");
      cmd.add("1");
      cmd.add("--base-id");
      cmd.add(Integer.toString(NEXT_BASE_ID.incrementAndGet()));
      cmd.add("--disable-hot-restart");
      cmd.add("--drain-time-s");
      cmd.add(Integer.toString(drainTimeSeconds));
      cmd.add("--log-level");
      cmd.add("info");
      cmd.add("--log-path");
      cmd.add(dir.resolve("envoy-" + run + ".log").toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
      pb.redirectOutput(dir.resolve("envoy-" + run + ".out").toFile());
      Process p = pb.start();
      LIVE.add(p);
      p.onExit().thenRun(() -> LIVE.remove(p));
      process = p;
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
  }

  public boolean isAlive() {
    Process p = process;
    return p != null && p.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL, as the OOM killer or a crash would end it; returns once it is gone. */
  public void kill() {
    Process p = process;
    if (p != null) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits for Envoy to exit; its exit code, or empty if it still runs after {@code millis}. */
  public OptionalInt awaitExit(long millis) throws InterruptedException {
    Process p = process;
    if (p == null) {
      return OptionalInt.empty();
    }
    return p.waitFor(millis, TimeUnit.MILLISECONDS) ? OptionalInt.of(p.exitValue()) : OptionalInt.empty();
  }

  public Path dir() {
    return dir;
  }

  /** The log of the latest start (for assertion messages). */
  public String log() {
    try {
      Path log = dir.resolve("envoy-" + starts + ".log");
      return Files.isRegularFile(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(cannot read the envoy log: " + e + ")";
    }
  }

  @Override
  public void close() {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
