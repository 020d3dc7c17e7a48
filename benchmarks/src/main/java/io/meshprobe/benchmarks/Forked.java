package io.meshprobe.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A forked JVM running {@link BenchApp}; collects its stdout lines, stderr goes to ours. */
final class Forked {
  private Forked() {}

  /** Runs to completion (at most 60 s) and returns stdout lines; fails on a non-zero exit. */
  static List<String> run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> lines = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        lines.add(line);
      }
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("exit " + p.exitValue() + ": " + command + " " + lines);
    }
    return lines;
  }

  /** The epoch millis on the first line starting with {@code prefix + " "}. */
  static long millis(List<String> lines, String prefix) {
    for (String l : lines) {
      if (l.startsWith(prefix + " ")) {
        return Long.parseLong(l.split(" ")[1]);
      }
    }
    throw new IllegalStateException("no '" + prefix + "' line in " + lines);
  }

  static List<String> app(String java, String agent, String... appArgs) {
    List<String> c = new ArrayList<>();
    c.add(java);
    if (agent != null) {
      c.add(agent);
    }
    c.add("-cp");
    c.add(System.getProperty("bench.app.cp", System.getProperty("java.class.path")));
    c.add(BenchApp.class.getName());
    for (String a : appArgs) {
      c.add(a);
    }
    return c;
  }
}
