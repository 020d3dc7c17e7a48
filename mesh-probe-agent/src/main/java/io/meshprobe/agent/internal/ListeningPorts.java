package io.meshprobe.agent.internal;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The TCP ports this JVM listens on, read on demand from {@code /proc}: the socket inodes among
 * {@code /proc/self/fd}, matched with the LISTEN rows (state {@code 0A}) of {@code /proc/self/net/tcp} and
 * {@code tcp6}. Unlike instrumenting {@code bind}, this also sees native transports (Netty epoll/io_uring) and
 * sockets opened before the agent. Empty where {@code /proc} is missing (not Linux).
 *
 * <p>Contract for the diagnosis: the MXBean {@code io.meshprobe:type=MeshProbe} attribute {@code ListeningPorts}
 * ({@code int[]}, sorted), and the system property {@value #PROPERTY} (comma-separated, sorted), refreshed by
 * every read of the attribute and once when the start-up wait ends.
 */
final class ListeningPorts {
  static final String PROPERTY = "meshprobe.agent.listening-ports";

  /** The agent's own metrics endpoint ({@link MetricsEndpoint}): not an app port, so never listed. */
  static volatile int agentPort = -1;

  private ListeningPorts() {}

  static int[] read() {
    Set<String> inodes = socketInodes(Paths.get("/proc/self/fd"));
    TreeSet<Integer> ports = new TreeSet<Integer>();
    if (!inodes.isEmpty()) {
      listening(Paths.get("/proc/self/net/tcp"), inodes, ports);
      listening(Paths.get("/proc/self/net/tcp6"), inodes, ports);
    }
    ports.remove(agentPort);
    int[] out = new int[ports.size()];
    int i = 0;
    StringBuilder sb = new StringBuilder();
    for (int p : ports) {
      out[i++] = p;
      sb.append(sb.length() == 0 ? "" : ",").append(p);
    }
    System.setProperty(PROPERTY, sb.toString());
    return out;
  }

  private static Set<String> socketInodes(Path fdDir) {
    Set<String> inodes = new HashSet<String>();
    File[] fds = fdDir.toFile().listFiles();
    if (fds == null) {
      return inodes;
    }
    for (File fd : fds) {
      try {
        String target = Files.readSymbolicLink(fd.toPath()).toString();
        if (target.startsWith("socket:[") && target.endsWith("]")) {
          inodes.add(target.substring(8, target.length() - 1));
        }
      } catch (IOException | RuntimeException closedMeanwhile) {
        // the descriptor went away between list and read
      }
    }
    return inodes;
  }

  private static void listening(Path table, Set<String> inodes, Set<Integer> ports) {
    if (!Files.isReadable(table)) {
      return;
    }
    try (BufferedReader r = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
      String line = r.readLine(); // header
      while ((line = r.readLine()) != null) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 10 || !f[3].equals("0A") || !inodes.contains(f[9])) {
          continue;
        }
        int colon = f[1].lastIndexOf(':');
        if (colon > 0) {
          try {
            ports.add(Integer.parseInt(f[1].substring(colon + 1), 16));
          } catch (NumberFormatException ignored) {
            // a malformed row says nothing
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      AgentLog.debug("cannot read " + table + ": " + e);
    }
  }
}
