package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/** Test client: HttpURLConnection for well-formed exchanges, raw sockets for the faults. Never mesh-probe-api. */
final class Http {

  private Http() {
  }

  record Reply(int status, Map<String, List<String>> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }
  }

  static Reply get(String url) throws IOException {
    return send("GET", url, null, Map.of());
  }

  static Reply post(String url) throws IOException {
    return send("POST", url, "", Map.of());
  }

  static Reply send(String method, String url, String body, Map<String, String> headers) throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
    c.setRequestMethod(method);
    c.setConnectTimeout(5000);
    c.setReadTimeout(5000);
    c.setInstanceFollowRedirects(false);
    c.setRequestProperty("Connection", "close"); // no pooled connection may outlive a test's sidecar
    headers.forEach(c::setRequestProperty);
    if (body != null) {
      c.setDoOutput(true);
      try (OutputStream out = c.getOutputStream()) {
        out.write(body.getBytes(StandardCharsets.UTF_8));
      }
    }
    try {
      int status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      byte[] bytes = in == null ? new byte[0] : in.readAllBytes();
      if (in != null) {
        in.close();
      }
      return new Reply(status, c.getHeaderFields(), bytes);
    } finally {
      c.disconnect();
    }
  }

  /** Sends raw bytes, returns everything read until the server closes (or the read times out). */
  static byte[] raw(int port, String request, int readTimeoutMillis) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(readTimeoutMillis);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return s.getInputStream().readAllBytes();
    }
  }

  static String rawText(int port, String request) throws IOException {
    return new String(raw(port, request, 5000), StandardCharsets.ISO_8859_1);
  }

  /** Reads the response head (through the blank line) from a raw socket. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  static void assertRefused(int port) {
    assertThatThrownBy(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      }
    }).isInstanceOf(ConnectException.class);
  }

  static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Polls {@code condition} every 5 ms until true or the deadline. */
  static void await(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("condition not met within %s", timeout).isNegative();
      LockSupport.parkNanos(5_000_000);
    }
  }

  /** Live threads whose name starts with {@code prefix}. */
  static List<String> threads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
        .map(Thread::getName)
        .toList();
  }

  /** A PrintStream whose text can be read back. */
  static final class Log {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }

    List<String> lines() {
      return text().lines().toList();
    }
  }

  static byte[] fixture(String relative) throws IOException {
    try (InputStream in = Http.class.getResourceAsStream("/io/meshprobe/testkit/fixtures/" + relative)) {
      assertThat(in).as("fixture %s", relative).isNotNull();
      return in.readAllBytes();
    }
  }
}
