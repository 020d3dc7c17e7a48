package io.meshprobe.testkit.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deliberately small HTTP/1.1 server on one {@link ServerSocket}: one accept thread, one daemon thread per
 * connection, keep-alive, {@code Content-Length} and chunked request bodies, a bounded request head.
 *
 * <p>It exists instead of {@code com.sun.net.httpserver.HttpServer} because that server cannot misbehave on
 * purpose: it cannot send a TCP reset, a garbage status line, or headers followed by silence, which the
 * {@link FaultPlayer} needs. Handlers get the raw socket through {@link Exchange}.
 *
 * <p>It parses HTTP framing only (request line, headers, body length); what a request means is the
 * {@link Dispatcher}'s business, and recording it is the fake's.
 */
public final class MiniHttpServer {

  /** Answers one request. It may write a {@link Response} or play with the raw socket. */
  public interface Handler {
    /** Answers {@code exchange}; an {@link IOException} ends the connection. */
    void handle(Exchange exchange) throws IOException;
  }

  static final int MAX_HEAD_BYTES = 16 * 1024;
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final ServerSocket serverSocket;
  private final Handler handler;
  private final String threadPrefix;
  private final Response.Style style;
  private final Object lock = new Object();
  private final Set<Socket> sockets = new HashSet<Socket>();
  private final Set<Thread> threads = new HashSet<Thread>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean closing;

  private MiniHttpServer(ServerSocket serverSocket, Handler handler, String threadPrefix, Response.Style style) {
    this.serverSocket = serverSocket;
    this.handler = handler;
    this.threadPrefix = threadPrefix;
    this.style = style;
  }

  /**
   * Binds and starts accepting.
   *
   * @param threadPrefix prefix of every thread name, e.g. {@code fake-sidecar-1-istio}; the port is appended
   * @param style header style of the error answers the server itself writes (400, 413, 431)
   */
  public static MiniHttpServer start(InetAddress address, int port, String threadPrefix, Response.Style style,
      Handler handler) throws IOException {
    ServerSocket ss = new ServerSocket();
    try {
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(address, port), 128);
    } catch (IOException e) {
      ss.close();
      throw e;
    }
    final MiniHttpServer server = new MiniHttpServer(ss, handler, threadPrefix + "-" + ss.getLocalPort(), style);
    Thread accept = new Thread(new Runnable() {
      @Override
      public void run() {
        server.acceptLoop();
      }
    }, server.threadPrefix + "-accept");
    accept.setDaemon(true);
    synchronized (server.lock) {
      server.threads.add(accept);
    }
    accept.start();
    return server;
  }

  /** The bound port. */
  public int port() {
    return serverSocket.getLocalPort();
  }

  boolean isClosing() {
    return closing;
  }

  /** Waits until {@link #close()} or the timeout; returns true if closed. Used by the hanging faults. */
  boolean awaitClosed(long nanos) throws InterruptedException {
    return closed.await(nanos, TimeUnit.NANOSECONDS);
  }

  /** Closes the listening socket and every connection, then waits for all threads of this server. */
  public void close() {
    List<Socket> toClose;
    List<Thread> toJoin;
    synchronized (lock) {
      closing = true;
      toClose = new ArrayList<Socket>(sockets);
      toJoin = new ArrayList<Thread>(threads);
    }
    closed.countDown();
    closeQuietly(serverSocket);
    for (Socket s : toClose) {
      closeQuietly(s);
    }
    for (Thread t : toJoin) {
      if (t != Thread.currentThread()) {
        try {
          t.join(5000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void acceptLoop() {
    try {
      while (!closing) {
        final Socket socket;
        try {
          socket = serverSocket.accept();
        } catch (IOException e) {
          return; // closed (or the OS gave up); either way this port is done
        }
        synchronized (lock) {
          if (closing) {
            closeQuietly(socket);
            return;
          }
          sockets.add(socket);
          Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
              serve(socket);
            }
          }, threadPrefix + "-conn-" + connections.incrementAndGet());
          t.setDaemon(true);
          threads.add(t);
          t.start();
        }
      }
    } finally {
      synchronized (lock) {
        threads.remove(Thread.currentThread());
      }
    }
  }

  private void serve(Socket socket) {
    try {
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      while (!closing) {
        Exchange exchange;
        try {
          exchange = readRequest(socket, in, out);
        } catch (BadRequest e) {
          Response.text(style, e.status, e.getMessage() + "\n").writeTo(out, false, true);
          out.flush();
          lingeringClose(socket, in);
          return;
        }
        if (exchange == null) {
          return; // clean end of stream between requests
        }
        handler.handle(exchange);
        if (exchange.isDone()) {
          return;
        }
        out.flush();
        if (exchange.closeAfterResponse()) {
          return;
        }
      }
    } catch (IOException e) {
      // the peer went away or we were closed: nothing to answer
    } finally {
      closeQuietly(socket);
      synchronized (lock) {
        sockets.remove(socket);
        threads.remove(Thread.currentThread());
      }
    }
  }

  /**
   * Closing with unread input makes the kernel send a reset, which can destroy the answer before the client
   * reads it (RFC 9112 section 9.6): half-close, then discard input for a moment first.
   */
  private static void lingeringClose(Socket socket, InputStream in) {
    try {
      socket.shutdownOutput();
      socket.setSoTimeout(500);
      byte[] sink = new byte[8192];
      long budget = 1 << 20;
      for (int n; budget > 0 && (n = in.read(sink)) >= 0; ) {
        budget -= n;
      }
    } catch (IOException ignored) {
      // timeout or reset: close now
    }
  }

  private Exchange readRequest(Socket socket, InputStream in, OutputStream out) throws IOException {
    int[] budget = {MAX_HEAD_BYTES};
    String requestLine = readLine(in, budget);
    while (requestLine != null && requestLine.isEmpty()) {
      requestLine = readLine(in, budget); // tolerate stray CRLF between requests (RFC 9112 2.2)
    }
    if (requestLine == null) {
      return null;
    }
    String[] parts = requestLine.split(" ");
    if (parts.length != 3 || !parts[2].startsWith("HTTP/1.") || parts[1].isEmpty()) {
      throw new BadRequest(400, "malformed request line");
    }
    Map<String, String> headers = new LinkedHashMap<String, String>();
    while (true) {
      String line = readLine(in, budget);
      if (line == null) {
        throw new BadRequest(400, "truncated request head");
      }
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new BadRequest(400, "malformed header line");
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).trim();
      String previous = headers.get(name);
      headers.put(name, previous == null ? value : previous + ", " + value);
    }
    long epochMillis = System.currentTimeMillis();
    long nanoTime = System.nanoTime();
    if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
      out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    }
    byte[] body = readBody(in, headers);
    String connection = headers.get("connection");
    boolean http10 = parts[2].equals("HTTP/1.0");
    boolean close = connection != null && connection.toLowerCase(Locale.ROOT).contains("close")
        || http10 && (connection == null || !connection.toLowerCase(Locale.ROOT).contains("keep-alive"));
    return new Exchange(this, parts[0], parts[1], headers, new String(body, StandardCharsets.UTF_8), socket,
        epochMillis, nanoTime, out, close);
  }

  private static byte[] readBody(InputStream in, Map<String, String> headers) throws IOException {
    String te = headers.get("transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      int[] budget = {MAX_HEAD_BYTES};
      while (true) {
        String sizeLine = readLine(in, budget);
        if (sizeLine == null) {
          throw new BadRequest(400, "truncated chunked body");
        }
        int semi = sizeLine.indexOf(';');
        int size;
        try {
          size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new BadRequest(400, "bad chunk size");
        }
        if (size < 0 || body.size() + (long) size > MAX_BODY_BYTES) {
          throw new BadRequest(413, "request body too large");
        }
        if (size == 0) {
          String trailer;
          do {
            trailer = readLine(in, budget);
          } while (trailer != null && !trailer.isEmpty());
          return body.toByteArray();
        }
        body.write(readFully(in, size));
        readLine(in, budget); // CRLF after the chunk data
      }
    }
    String cl = headers.get("content-length");
    if (cl == null) {
      return new byte[0];
    }
    long length;
    try {
      length = Long.parseLong(cl.trim());
    } catch (NumberFormatException e) {
      throw new BadRequest(400, "bad content-length");
    }
    if (length < 0) {
      throw new BadRequest(400, "bad content-length");
    }
    if (length > MAX_BODY_BYTES) {
      throw new BadRequest(413, "request body too large");
    }
    return readFully(in, (int) length);
  }

  private static byte[] readFully(InputStream in, int length) throws IOException {
    byte[] data = new byte[length];
    int off = 0;
    while (off < length) {
      int n = in.read(data, off, length - off);
      if (n < 0) {
        throw new IOException("connection closed inside the request body");
      }
      off += n;
    }
    return data;
  }

  /** Reads one line (without CR LF) as ISO-8859-1; null at end of stream before any byte. */
  private static String readLine(InputStream in, int[] budget) throws IOException {
    StringBuilder sb = new StringBuilder(64);
    boolean any = false;
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (!any) {
          return null;
        }
        throw new BadRequest(400, "truncated line");
      }
      any = true;
      if (--budget[0] < 0) {
        throw new BadRequest(431, "request head larger than " + MAX_HEAD_BYTES + " bytes");
      }
      if (b == '\n') {
        int len = sb.length();
        if (len > 0 && sb.charAt(len - 1) == '\r') {
          sb.setLength(len - 1);
        }
        return sb.toString();
      }
      sb.append((char) b);
    }
  }

  static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // nothing useful to do
    }
  }

  /** A request the server refuses before any handler sees it. */
  private static final class BadRequest extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  /**
   * One request and the means to answer it: a {@link Response}, or raw bytes and socket tricks. The request
   * parts are as read (the fake turns them into its public {@code RecordedRequest}).
   */
  public static final class Exchange {
    private final MiniHttpServer server;
    private final String method;
    private final String target;
    private final Map<String, String> headers;
    private final String body;
    private final Socket socket;
    private final int localPort;
    private final long epochMillis;
    private final long nanoTime;
    private final OutputStream out;
    private final boolean clientWantsClose;
    private boolean closeAfter;
    private boolean done;

    Exchange(MiniHttpServer server, String method, String target, Map<String, String> headers, String body,
        Socket socket, long epochMillis, long nanoTime, OutputStream out, boolean clientWantsClose) {
      this.server = server;
      this.method = method;
      this.target = target;
      this.headers = headers;
      this.body = body;
      this.socket = socket;
      this.localPort = socket.getLocalPort();
      this.epochMillis = epochMillis;
      this.nanoTime = nanoTime;
      this.out = out;
      this.clientWantsClose = clientWantsClose;
    }

    /** The request method as sent, e.g. {@code GET}. */
    public String method() {
      return method;
    }

    /** The raw request target, e.g. {@code /config_dump?mask=bootstrap}. */
    public String target() {
      return target;
    }

    /** Header names in lower case, repeated headers joined with {@code ", "}, in arrival order. */
    public Map<String, String> headers() {
      return headers;
    }

    /** The request body decoded as UTF-8; empty if there was none. */
    public String body() {
      return body;
    }

    /** The local port the request arrived on. */
    public int localPort() {
      return localPort;
    }

    /** {@link System#currentTimeMillis()} when the request head had been read. */
    public long epochMillis() {
      return epochMillis;
    }

    /** {@link System#nanoTime()} when the request head had been read. */
    public long nanoTime() {
      return nanoTime;
    }

    /** Writes and flushes a complete response. */
    void respond(Response response) throws IOException {
      response.writeTo(out, "HEAD".equals(method), clientWantsClose);
      out.flush();
    }

    /** Raw output (buffered; flush yourself). */
    OutputStream out() {
      return out;
    }

    boolean clientWantsClose() {
      return clientWantsClose;
    }

    /** Close the connection once the handler returns (after flushing). */
    void closeAfterResponse(boolean close) {
      this.closeAfter = close;
    }

    boolean closeAfterResponse() {
      return closeAfter || clientWantsClose;
    }

    /** Waits until the server closes or the time passes; true if the server closed. */
    boolean awaitServerClosed(long nanos) throws IOException {
      try {
        return server.awaitClosed(nanos);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }

    /** Blocks until the server closes: the connection then ends without an answer. */
    void hangUntilClosed() throws IOException {
      awaitServerClosed(Long.MAX_VALUE);
      done = true;
    }

    /** Sends a TCP RST (SO_LINGER 0 then close), discarding anything unsent. */
    void reset() throws IOException {
      socket.setSoLinger(true, 0);
      socket.close();
      done = true;
    }

    /** Flushes what was written and closes normally (FIN). */
    void flushAndClose() throws IOException {
      out.flush();
      socket.close();
      done = true;
    }

    boolean isDone() {
      return done;
    }
  }
}
