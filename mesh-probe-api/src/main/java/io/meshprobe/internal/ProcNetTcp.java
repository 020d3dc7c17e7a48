package io.meshprobe.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * TCP ports in LISTEN state in this network namespace, read from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6} (state {@code 0A}). Every container of a pod shares the namespace, so the
 * proxy's listeners show up here even though it runs in another container, and so do ztunnel's in-pod
 * sockets in ambient mode.
 *
 * <p>Read at JVM start (the agent's premain), so it parses the bytes with plain {@code java.io} and tight
 * loops: no regex, no NIO channels, no charset decoder. A regex split per line took 60-170 ms for a 750-row
 * table on a 2-core machine. What remains is mostly the kernel's cost of producing the text (a few ms).
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
   * spaces; the 2nd is {@code <hex address>:<hex port>}. The first line is the header. Tight loops only (this
   * runs interpreted, at JVM start): most of each row is skipped with a scan for the newline.
   */
  static void parse(InputStream in, Set<Integer> ports) throws IOException {
    byte[] b = new byte[16384];
    int len = 0;
    int n;
    while ((n = in.read(b, len, b.length - len)) > 0) {
      len += n;
      if (len == b.length) {
        if (b.length >= MAX_BYTES) {
          throw new IOException("more than " + MAX_BYTES + " bytes");
        }
        b = Arrays.copyOf(b, b.length * 2);
      }
    }
    int i = endOfLine(b, 0, len) + 1; // the header
    while (i < len) {
      int eol = endOfLine(b, i, len);
      int local = skipSpaces(b, skipField(b, skipSpaces(b, i, eol), eol), eol);
      int localEnd = skipField(b, local, eol);
      int state = skipSpaces(b, skipField(b, skipSpaces(b, localEnd, eol), eol), eol);
      if (eol - state >= 2 && b[state] == '0' && (b[state + 1] == 'A' || b[state + 1] == 'a')
          && (state + 2 == eol || b[state + 2] == ' ')) {
        int port = port(b, local, localEnd);
        if (port >= 0) {
          ports.add(port);
        }
      }
      i = eol + 1;
    }
  }

  private static int endOfLine(byte[] b, int i, int len) {
    while (i < len && b[i] != '\n') {
      i++;
    }
    return i;
  }

  private static int skipSpaces(byte[] b, int i, int end) {
    while (i < end && b[i] == ' ') {
      i++;
    }
    return i;
  }

  private static int skipField(byte[] b, int i, int end) {
    while (i < end && b[i] != ' ') {
      i++;
    }
    return i;
  }

  /** The hex digits after the last ':' of {@code b[from, to)}, or -1 when they are not 1 to 4 hex digits. */
  private static int port(byte[] b, int from, int to) {
    int colon = to - 1;
    while (colon >= from && b[colon] != ':') {
      colon--;
    }
    if (colon < from || to - colon - 1 < 1 || to - colon - 1 > 4) {
      return -1;
    }
    int port = 0;
    for (int k = colon + 1; k < to; k++) {
      int d = Character.digit(b[k], 16);
      if (d < 0) {
        return -1;
      }
      port = (port << 4) | d;
    }
    return port;
  }
}
