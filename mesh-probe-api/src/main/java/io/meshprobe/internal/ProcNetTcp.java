package io.meshprobe.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * TCP ports in LISTEN state in this network namespace, read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (state {@code 0A}). Every container of a pod shares the namespace, so the
 * proxy's listeners show up here even though it runs in another container, and so do ztunnel's in-pod
 * sockets in ambient mode.
 */
public final class ProcNetTcp {
  private final Path procNet;

  public ProcNetTcp(Path procNet) {
    this.procNet = procNet;
  }

  /** The listening ports, or {@code null} when the files cannot be read (not Linux, or /proc hidden). */
  public @Nullable Set<Integer> listeningPorts() {
    Set<Integer> ports = new HashSet<>();
    boolean any = read(procNet.resolve("tcp"), ports) | read(procNet.resolve("tcp6"), ports);
    return any ? ports : null;
  }

  private static boolean read(Path file, Set<Integer> ports) {
    if (!Files.isReadable(file)) {
      return false;
    }
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
      String line = r.readLine(); // header
      while ((line = r.readLine()) != null) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 4 || !f[3].equals("0A")) {
          continue;
        }
        int colon = f[1].lastIndexOf(':');
        if (colon < 0) {
          continue;
        }
        try {
          ports.add(Integer.parseInt(f[1].substring(colon + 1), 16));
        } catch (NumberFormatException ignored) {
          // a malformed line says nothing about the ports
        }
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
