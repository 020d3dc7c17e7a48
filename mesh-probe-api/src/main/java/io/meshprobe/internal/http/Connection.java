package io.meshprobe.internal.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/1.1 connection on a plain {@link Socket} (never a configured proxy: {@link Proxy#NO_PROXY}), read through a
 * buffer of its own. Every read waits at most until the current exchange's deadline: a peer that drips one byte at a
 * time still ends the exchange by then. Not thread-safe: one exchange at a time.
 */
final class Connection implements Closeable {
  private static final int BUFFER = 8192;
  /** One line of a chunk size: hex digits and an extension nobody sends. */
  static final int MAX_CHUNK_LINE = 1024;

  final String origin;
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final byte[] buf = new byte[BUFFER];
  private int pos;
  private int lim;
  private byte[] line = new byte[256];
  /** The head's byte budget, one array per connection rather than one per answer. */
  private final int[] headBudget = new int[1];
  /** The last {@code server} header's value: the same bytes again (every poll's) give the same string. */
  private @Nullable String lastServer;
  private long deadline;
  private int timeoutMillis;
  /** Longest wait for the next byte, or 0: only the deadline. */
  private int idleMillis;
  private int appliedSoTimeout = -1;

  // The head of the current answer.
  int code;
  boolean http10;
  long contentLength;
  boolean chunked;
  boolean closeAfter;
  boolean keepAliveHeader;
  @Nullable String server;

  private Connection(String origin, Socket socket) throws IOException {
    this.origin = origin;
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static Connection open(Target target, InetSocketAddress address, long deadline, int timeoutMillis, int idleMillis)
      throws IOException {
    Socket s = new Socket(Proxy.NO_PROXY);
    try {
      s.setTcpNoDelay(true);
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw timeout(timeoutMillis);
      }
      int ms = millis(left);
      try {
        s.connect(address, idleMillis > 0 ? Math.min(ms, idleMillis) : ms);
      } catch (SocketTimeoutException e) {
        throw idleMillis > 0 && idleMillis < ms ? idle(idleMillis) : timeout(timeoutMillis);
      }
      Connection c = new Connection(target.origin, s);
      c.deadline(deadline, timeoutMillis, idleMillis);
      return c;
    } catch (IOException | RuntimeException e) {
      closeQuietly(s);
      throw e;
    }
  }

  /**
   * Sets the deadline of the next exchange ({@link System#nanoTime()}), the timeout named in its error, and the
   * longest wait for any next byte (0: only the deadline).
   */
  void deadline(long deadlineNanos, int timeoutMillis, int idleMillis) {
    this.deadline = deadlineNanos;
    this.timeoutMillis = timeoutMillis;
    this.idleMillis = idleMillis;
  }

  void send(byte[] request) throws IOException {
    // A request is a few hundred bytes: it fits the socket's send buffer, so this write does not wait on the peer.
    out.write(request);
    out.flush();
  }

  /** Whether the connection has unread bytes or has been closed by the peer; such a connection is not reused. */
  boolean hasBufferedInput() {
    return pos < lim;
  }

  /** Refills the buffer; false at the end of the stream. */
  private boolean fill() throws IOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw timeout(timeoutMillis);
    }
    int ms = millis(left);
    boolean idleBound = idleMillis > 0 && idleMillis < ms;
    if (idleBound) {
      ms = idleMillis;
    }
    if (ms != appliedSoTimeout) {
      socket.setSoTimeout(ms);
      appliedSoTimeout = ms;
    }
    int n;
    try {
      n = in.read(buf, 0, BUFFER);
    } catch (SocketTimeoutException e) {
      throw idleBound ? idle(idleMillis) : timeout(timeoutMillis);
    }
    if (n <= 0) {
      return false;
    }
    pos = 0;
    lim = n;
    return true;
  }

  /** Reads up to {@code len} bytes; -1 at the end of the stream. */
  int read(byte[] b, int off, int len) throws IOException {
    if (pos == lim && !fill()) {
      return -1;
    }
    int n = Math.min(len, lim - pos);
    System.arraycopy(buf, pos, b, off, n);
    pos += n;
    return n;
  }

  /**
   * Reads one line ending in LF (an optional CR before it dropped) into {@link #line}; returns its length, or -1 at
   * the end of the stream before any byte. Scans the buffer for the LF and copies the line at once (a poll's head is
   * one buffer's worth: no call per byte).
   *
   * @param budget bytes the line may take, shared by the lines of one head: {@code budget[0]} is decremented
   */
  int readLine(int[] budget, String what) throws IOException {
    int n = 0;
    while (true) {
      if (pos == lim && !fill()) {
        if (n == 0) {
          return -1;
        }
        throw new MalformedResponseException("the connection closed inside the " + what);
      }
      int start = pos;
      int i = start;
      while (i < lim && buf[i] != '\n') {
        i++;
      }
      boolean found = i < lim;
      int take = i - start;
      int consumed = found ? take + 1 : take;
      if (consumed > budget[0]) {
        budget[0] = -1;
        throw new MalformedResponseException("the " + what + " is longer than its cap");
      }
      budget[0] -= consumed;
      if (n + take > line.length) {
        line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, n + take));
      }
      System.arraycopy(buf, start, line, n, take);
      n += take;
      pos = start + consumed;
      if (found) {
        return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
      }
    }
  }

  /**
   * Reads the status line and headers of an answer (skipping interim 1xx answers) into this connection's head fields.
   *
   * @return false if the connection ended before the first byte (a kept-alive connection the peer closed)
   */
  boolean readHead(int maxHeadBytes) throws IOException {
    int[] budget = headBudget;
    budget[0] = maxHeadBytes;
    while (true) {
      int n = readLine(budget, "answer head");
      if (n < 0) {
        return false;
      }
      statusLine(n);
      contentLength = -1;
      chunked = false;
      closeAfter = false;
      keepAliveHeader = false;
      server = null;
      while (true) {
        n = readLine(budget, "answer head");
        if (n < 0) {
          throw new MalformedResponseException("the connection closed inside the answer head");
        }
        if (n == 0) {
          break;
        }
        header(n);
      }
      if (code >= 100 && code < 200) {
        if (code == 101) {
          throw new MalformedResponseException("a protocol switch that was never asked for");
        }
        continue; // 100 Continue, 103 Early Hints: the answer follows
      }
      if (http10 && !keepAliveHeader) {
        closeAfter = true;
      }
      if (chunked && contentLength >= 0) {
        contentLength = -1; // RFC 9112 6.3: chunked wins, and the connection is not reused after such an answer
        closeAfter = true;
      }
      if (!chunked && contentLength < 0 && hasBody()) {
        closeAfter = true; // the body runs to the end of the connection
      }
      return true;
    }
  }

  boolean hasBody() {
    return code != 204 && code != 304;
  }

  private void statusLine(int n) throws IOException {
    // HTTP/1.x SSS[ reason]
    if (n < 12 || !startsWith(line, "HTTP/1.") || (line[7] != '0' && line[7] != '1') || line[8] != ' '
        || (n > 12 && line[12] != ' ')) {
      throw new MalformedResponseException("not an HTTP/1.x status line");
    }
    int c = 0;
    for (int i = 9; i < 12; i++) {
      int d = line[i] - '0';
      if (d < 0 || d > 9) {
        throw new MalformedResponseException("not an HTTP/1.x status line");
      }
      c = c * 10 + d;
    }
    if (c < 100) {
      throw new MalformedResponseException("status code " + c + " out of range");
    }
    code = c;
    http10 = line[7] == '0';
  }

  private void header(int n) throws IOException {
    if (line[0] == ' ' || line[0] == '\t') {
      throw new MalformedResponseException("a folded header line");
    }
    int colon = -1;
    for (int i = 0; i < n; i++) {
      if (line[i] == ':') {
        colon = i;
        break;
      }
    }
    if (colon <= 0) {
      throw new MalformedResponseException("a header line without a name");
    }
    int vs = colon + 1;
    int ve = n;
    while (vs < ve && (line[vs] == ' ' || line[vs] == '\t')) {
      vs++;
    }
    while (ve > vs && (line[ve - 1] == ' ' || line[ve - 1] == '\t')) {
      ve--;
    }
    if (nameIs("content-length", colon)) {
      long v = 0;
      if (ve == vs || ve - vs > 18) {
        throw new MalformedResponseException("a bad content-length");
      }
      for (int i = vs; i < ve; i++) {
        int d = line[i] - '0';
        if (d < 0 || d > 9) {
          throw new MalformedResponseException("a bad content-length");
        }
        v = v * 10 + d;
      }
      if (contentLength >= 0 && contentLength != v) {
        throw new MalformedResponseException("two different content-lengths");
      }
      contentLength = v;
    } else if (nameIs("transfer-encoding", colon)) {
      if (!endsWithIgnoreCase(vs, ve, "chunked")) {
        throw new MalformedResponseException("a transfer-encoding other than chunked");
      }
      chunked = true;
    } else if (nameIs("connection", colon)) {
      if (containsIgnoreCase(vs, ve, "close")) {
        closeAfter = true;
      }
      if (containsIgnoreCase(vs, ve, "keep-alive")) {
        keepAliveHeader = true;
      }
    } else if (nameIs("server", colon)) {
      int len = Math.min(ve - vs, 100);
      String last = lastServer;
      if (last == null || !sameLatin1(last, vs, len)) {
        last = new String(line, vs, len, java.nio.charset.StandardCharsets.ISO_8859_1);
        lastServer = last;
      }
      server = last;
    }
  }

  private boolean nameIs(String name, int len) {
    if (len != name.length()) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      int b = line[i];
      if (b >= 'A' && b <= 'Z') {
        b += 'a' - 'A';
      }
      if (b != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private boolean endsWithIgnoreCase(int vs, int ve, String s) {
    return ve - vs >= s.length() && regionIgnoreCase(ve - s.length(), s);
  }

  private boolean containsIgnoreCase(int vs, int ve, String s) {
    for (int i = vs; i + s.length() <= ve; i++) {
      if (regionIgnoreCase(i, s)) {
        return true;
      }
    }
    return false;
  }

  private boolean regionIgnoreCase(int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      int b = line[at + i];
      if (b >= 'A' && b <= 'Z') {
        b += 'a' - 'A';
      }
      if (b != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private boolean sameLatin1(String s, int at, int len) {
    if (s.length() != len) {
      return false;
    }
    for (int i = 0; i < len; i++) {
      if ((line[at + i] & 0xff) != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWith(byte[] b, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (b[i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Parses the chunk-size line just read ({@code n} bytes): hex digits, an optional {@code ;extension}. */
  long chunkSize(int n) throws IOException {
    long size = 0;
    int digits = 0;
    int i = 0;
    for (; i < n; i++) {
      int b = line[i];
      int d = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
      if (d < 0) {
        break;
      }
      if (++digits > 15) {
        throw new MalformedResponseException("a chunk size over 15 hex digits");
      }
      size = size * 16 + d;
    }
    while (i < n && (line[i] == ' ' || line[i] == '\t')) {
      i++;
    }
    if (digits == 0 || i < n && line[i] != ';') {
      throw new MalformedResponseException("a bad chunk size");
    }
    return size;
  }

  static SocketTimeoutException timeout(int timeoutMillis) {
    return new SocketTimeoutException("no complete answer within " + timeoutMillis + " ms");
  }

  static SocketTimeoutException idle(int idleMillis) {
    return new SocketTimeoutException("no byte for " + idleMillis + " ms");
  }

  private static int millis(long nanos) {
    long ms = TimeUnit.NANOSECONDS.toMillis(nanos) + 1; // rounded up: a soTimeout of 0 would mean "forever"
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, ms));
  }

  @Override
  public void close() {
    closeQuietly(socket);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }
}
