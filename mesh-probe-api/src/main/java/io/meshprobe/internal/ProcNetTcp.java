package io.meshprobe.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * TCP ports in LISTEN state in this network namespace, read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (state {@code 0A}). Every container of a pod shares the namespace, so the
 * proxy's listeners show up here even though it runs in another container, and so do ztunnel's in-pod
 * sockets in ambient mode.
 *
 * <p>Read at JVM start (the agent's premain), so it parses the bytes in one pass with plain
 * {@code java.io}: no regex, no NIO channels, no charset decoder. A regex split per line took 60-170 ms for
 * a 750-line table on a 2-core machine; this takes a few ms.
 */
public final class ProcNetTcp {
  /** Size cap per file: far above any real table (about 150 bytes per socket). */
  private static final long MAX_BYTES = 64L << 20;

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
    try (InputStream in = new FileInputStream(file.toFile())) {
      parse(in, ports);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Adds the local port of every row whose 4th field ({@code st}) is {@code 0A}. Fields are separated by
   * spaces; the 2nd is {@code <hex address>:<hex port>}. The first line is the header.
   */
  static void parse(InputStream in, Set<Integer> ports) throws IOException {
    byte[] buf = new byte[16384];
    long total = 0;
    int line = 0;
    int field = -1; // index of the current (or last) field in the line
    boolean inField = false;
    int port = 0;
    int portDigits = 0;
    boolean portOk = true;
    int state0 = 0;
    int state1 = 0;
    int stateLen = 0;
    int n;
    while ((n = in.read(buf)) > 0) {
      total += n;
      if (total > MAX_BYTES) {
        throw new IOException("more than " + MAX_BYTES + " bytes");
      }
      for (int i = 0; i < n; i++) {
        int c = buf[i];
        if (c == '\n') {
          if (line > 0 && listens(field, stateLen, state0, state1, portOk, portDigits)) {
            ports.add(port);
          }
          line++;
          field = -1;
          inField = false;
          port = 0;
          portDigits = 0;
          portOk = true;
          stateLen = 0;
        } else if (c == ' ' || c == '\t' || c == '\r') {
          inField = false;
        } else {
          if (!inField) {
            inField = true;
            field++;
          }
          if (field == 1) {
            if (c == ':') {
              port = 0;
              portDigits = 0;
              portOk = true;
            } else {
              int d = Character.digit(c, 16);
              if (d < 0) {
                portOk = false;
              } else {
                port = (port << 4) | d;
                portDigits++;
              }
            }
          } else if (field == 3) {
            if (stateLen == 0) {
              state0 = c;
            } else if (stateLen == 1) {
              state1 = c;
            }
            stateLen++;
          }
        }
      }
    }
    if (line > 0 && listens(field, stateLen, state0, state1, portOk, portDigits)) {
      ports.add(port); // a last row without a newline
    }
  }

  private static boolean listens(int field, int stateLen, int state0, int state1, boolean portOk, int portDigits) {
    return field >= 3 && stateLen == 2 && state0 == '0' && (state1 == 'A' || state1 == 'a') && portOk && portDigits > 0
        && portDigits <= 4;
  }
}
