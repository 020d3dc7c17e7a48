package io.meshprobe.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshprobe.internal.AdminHttp;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin client against the testkit's fake sidecar, MockWebServer, and a raw socket server that misbehaves on purpose. */
class LoopbackHttpTest {
  private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());
  private static final long CAP = 64 * 1024;

  @StartStop final MockWebServer mock = new MockWebServer();

  private final LoopbackHttp http = new LoopbackHttp(Collections.<String>emptyList());
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    http.close();
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private FakeSidecar sidecar(String path, Fault fault) {
    FakeSidecar s = FakeSidecar.envoy().freePorts().log(QUIET).fault(path, fault).start();
    toClose.add(s);
    return s;
  }

  private static long in(Duration d) {
    return System.nanoTime() + d.toNanos();
  }

  private Response get(String url, Duration timeout) throws IOException {
    return http.exchange("GET", url, in(timeout), (int) timeout.toMillis(), CAP);
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    for (int n; (n = in.read(buf)) >= 0; ) {
      out.write(buf, 0, n);
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  void sendsOnlyTheRequestLineHostUserAgentAndAccept() throws Exception {
    FakeSidecar s = sidecar("/ready", Fault.status(503, "not ready"));
    // Envoy's stats filters put characters in the query that java.net.URI refuses: they are sent as they are.
    String url = s.url(SidecarPort.ENVOY_ADMIN) + "/ready?usedonly&filter=istio_(requests|tcp)_total";
    Response r = get(url, Duration.ofSeconds(5));
    assertThat(r.code).isEqualTo(503);
    assertThat(r.body).isEqualTo("not ready");
    RecordedRequest req = s.awaitRequest("GET", "/ready", Duration.ofSeconds(5));
    assertThat(req.query()).isEqualTo("usedonly&filter=istio_(requests|tcp)_total");
    assertThat(req.headers().keySet()).containsExactlyInAnyOrder("host", "user-agent", "accept");
    assertThat(req.header("host")).isEqualTo("127.0.0.1:" + s.port(SidecarPort.ENVOY_ADMIN));

    http.exchange("POST", s.url(SidecarPort.ENVOY_ADMIN) + "/quitquitquit", in(Duration.ofSeconds(5)), 5000, CAP);
    RecordedRequest post = s.awaitRequest("POST", "/quitquitquit", Duration.ofSeconds(5));
    assertThat(post.headers().keySet()).containsExactlyInAnyOrder("host", "user-agent", "accept", "content-length", "connection");
    assertThat(post.header("content-length")).isEqualTo("0");
    assertThat(post.header("connection")).isEqualTo("close");
  }

  @Test
  void pollsReuseOneConnectionAndReplaceOneThePeerClosed() throws Exception {
    try (RawServer server = new RawServer((in, out, n, hold) -> {
      // Answers keep-alive requests on one connection; the first connection is closed after its 3rd answer
      // without saying so, as a peer dropping an idle connection does.
      for (int i = 0; readRequest(in) != null; i++) {
        out.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 3\r\n\r\nno\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (n == 1 && i == 2) {
          return;
        }
      }
    })) {
      for (int i = 0; i < 20; i++) {
        Response r = get(server.url("/healthz/ready"), Duration.ofSeconds(5));
        assertThat(r.code).isEqualTo(503);
        assertThat(r.body).isEqualTo("no\n");
      }
      assertThat(server.accepted.get()).isEqualTo(2);
    }
  }

  @Test
  void headsSplitAcrossReadsAndAServerHeaderThatChangesOnOneConnectionAreReadAsSent() throws Exception {
    String[] servers = {"envoy", "envoy", "istio-envoy", "envoy"};
    try (RawServer server = new RawServer((in, out, n, hold) -> {
      for (int i = 0; readRequest(in) != null; i++) {
        byte[] head = ("HTTP/1.1 503 Service Unavailable\r\nServer: " + servers[i] + "\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        for (byte b : head) { // one byte at a time: lines end in other reads than they start
          out.write(b);
          out.flush();
        }
      }
    })) {
      for (String expected : servers) {
        Response r = get(server.url("/healthz/ready"), Duration.ofSeconds(5));
        assertThat(r.code).isEqualTo(503);
        assertThat(r.server).isEqualTo(expected);
        assertThat(r.body).isEmpty();
      }
      assertThat(server.accepted.get()).isEqualTo(1);
    }
  }

  @Test
  void refusedTimedOutAndMalformedAreToldApart() throws Exception {
    int closedPort;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = ss.getLocalPort();
    }
    IOException refused = catchIo(() -> get("http://127.0.0.1:" + closedPort + "/ready", Duration.ofSeconds(2)));
    assertThat(refused).isInstanceOf(ConnectException.class);
    assertThat(AdminHttp.describe(refused)).isEqualTo("connection refused");

    FakeSidecar s = sidecar("/ready", Fault.headersThenHang());
    IOException timedOut = catchIo(() -> get(s.url(SidecarPort.ENVOY_ADMIN) + "/ready", Duration.ofMillis(300)));
    assertThat(timedOut).isInstanceOf(SocketTimeoutException.class);
    assertThat(AdminHttp.describe(timedOut)).isEqualTo("timed out");

    // A streamed read may run long (a big dump), but not silently: nothing for the idle limit ends it.
    long t0 = System.nanoTime();
    IOException idle =
        catchIo(() -> http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/ready", in(Duration.ofSeconds(20)), 20_000, 300, CAP, LoopbackHttpTest::readAll));
    assertThat(idle).isInstanceOf(SocketTimeoutException.class).hasMessage("no byte for 300 ms");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(10_000);

    FakeSidecar g = sidecar("/ready", Fault.garbage());
    IOException garbage = catchIo(() -> get(g.url(SidecarPort.ENVOY_ADMIN) + "/ready", Duration.ofSeconds(2)));
    assertThat(garbage).isInstanceOf(MalformedResponseException.class);
    assertThat(AdminHttp.describe(garbage)).isEqualTo("malformed HTTP answer (not an HTTP/1.x status line)");

    FakeSidecar r = sidecar("/ready", Fault.reset());
    IOException reset = catchIo(() -> get(r.url(SidecarPort.ENVOY_ADMIN) + "/ready", Duration.ofSeconds(2)));
    assertThat(reset).isNotInstanceOf(ConnectException.class).isNotInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void aDrippingPeerEndsTheCallByItsDeadline() throws Exception {
    char[] body = new char[2000];
    java.util.Arrays.fill(body, 'x');
    FakeSidecar s = sidecar("/server_info", Fault.slowBody(new String(body), Duration.ofMillis(5)));
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> get(s.url(SidecarPort.ENVOY_ADMIN) + "/server_info", Duration.ofMillis(400)))
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessage("no complete answer within 400 ms");
    // The drip would take 10 s; the call ends at its deadline (the bound is loose for a loaded machine).
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(4000);

    long t1 = System.nanoTime();
    assertThatThrownBy(() -> http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/server_info", in(Duration.ofMillis(400)), 400, 300, CAP, LoopbackHttpTest::readAll))
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessage("no complete answer within 400 ms"); // bytes keep coming: the idle limit never fires
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1)).isLessThan(4000);
  }

  @Test
  void redirectsAreAnswersNotFollowed() throws Exception {
    FakeSidecar target = sidecar("/ready", Fault.status(200, ""));
    FakeSidecar s = sidecar("/ready", Fault.redirect(target.url(SidecarPort.ENVOY_ADMIN) + "/ready"));
    Response r = get(s.url(SidecarPort.ENVOY_ADMIN) + "/ready", Duration.ofSeconds(2));
    assertThat(r.code).isEqualTo(302);
    assertThatThrownBy(() -> http.get(s.url(SidecarPort.ENVOY_ADMIN) + "/ready", in(Duration.ofSeconds(2)), 2000, 0, CAP, LoopbackHttpTest::readAll))
        .isInstanceOf(HttpStatusException.class)
        .hasMessageEndingWith(" answered HTTP 302");
    assertThat(target.requests()).isEmpty();
  }

  @Test
  void bodiesOverTheCapFailWithoutBeingRead() throws Exception {
    FakeSidecar s = sidecar("/config_dump", Fault.hugeBody(10L << 20));
    assertThatThrownBy(() -> get(s.url(SidecarPort.ENVOY_ADMIN) + "/config_dump", Duration.ofSeconds(5)))
        .hasMessageContaining("is larger than 65536 bytes (meshprobe.http.max-body)");
    // A body without a length (to the end of the connection) and a chunked one are cut at the cap as they come.
    AtomicLong sent = new AtomicLong();
    try (RawServer endless = new RawServer((in, out, n, hold) -> {
      readRequest(in);
      out.write(("HTTP/1.1 200 OK\r\n" + (n % 2 == 1 ? "" : "Transfer-Encoding: chunked\r\n") + "\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = new byte[8192];
      java.util.Arrays.fill(chunk, (byte) 'a');
      while (true) {
        if (n % 2 == 0) {
          out.write("2000\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(chunk);
        if (n % 2 == 0) {
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        sent.addAndGet(chunk.length);
      }
    })) {
      for (int i = 0; i < 2; i++) {
        long read0 = System.nanoTime();
        assertThatThrownBy(() -> http.get(endless.url("/dump"), in(Duration.ofSeconds(10)), 10_000, 0, CAP, LoopbackHttpTest::readAll))
            .hasMessageContaining("is larger than 65536 bytes (meshprobe.http.max-body)");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - read0)).isLessThan(8000);
      }
    }
  }

  @Test
  void chunkedBodiesAreRead() throws Exception {
    String body = "{\"state\": \"LIVE\", \"pad\": \"" + new String(new char[5000]).replace('\0', 'p') + "\"}";
    mock.enqueue(new MockResponse.Builder().code(200).chunkedBody(body, 7).build());
    mock.enqueue(new MockResponse.Builder().code(200).chunkedBody(body, 1000).build());
    assertThat(get(mock.url("/server_info").toString(), Duration.ofSeconds(5)).body).isEqualTo(body);
    assertThat(http.get(mock.url("/server_info").toString(), in(Duration.ofSeconds(5)), 5000, 0, CAP, LoopbackHttpTest::readAll)).isEqualTo(body);
  }

  @Test
  void aHostileHeadEndsAtItsCap() throws Exception {
    try (RawServer server = new RawServer((in, out, n, hold) -> {
      readRequest(in);
      switch (n) {
        case 1: // endless headers
          out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
          while (true) {
            out.write("X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".getBytes(StandardCharsets.US_ASCII));
          }
        case 2: // one endless status line
          while (true) {
            out.write("HTTP/1.1 200 OKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK".getBytes(StandardCharsets.US_ASCII));
          }
        case 3: // a chunk size that would overflow a long
          out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n".getBytes(StandardCharsets.US_ASCII));
          break;
        case 4: // a chunk size over the cap: refused before the data is read
          out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffff\r\n".getBytes(StandardCharsets.US_ASCII));
          break;
        case 5: // a content-length over the cap, then silence
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 100000000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          break;
        case 6: // an interim answer, then the real one
          out.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
          break;
        default: // two different lengths
          out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
          break;
      }
      out.flush();
      hold.await(30, TimeUnit.SECONDS); // then hold the connection: only the client's checks end the call
    })) {
      Duration t = Duration.ofSeconds(20);
      assertThatThrownBy(() -> get(server.url("/1"), t)).isInstanceOf(MalformedResponseException.class).hasMessage("the answer head is longer than its cap");
      assertThatThrownBy(() -> get(server.url("/2"), t)).isInstanceOf(MalformedResponseException.class).hasMessage("the answer head is longer than its cap");
      assertThatThrownBy(() -> get(server.url("/3"), t)).isInstanceOf(MalformedResponseException.class).hasMessage("a chunk size over 15 hex digits");
      assertThatThrownBy(() -> get(server.url("/4"), t)).hasMessageContaining("is larger than 65536 bytes");
      assertThatThrownBy(() -> get(server.url("/5"), t)).hasMessageContaining("is larger than 65536 bytes");
      Response interim = get(server.url("/6"), t);
      assertThat(interim.code).isEqualTo(200);
      assertThat(interim.body).isEqualTo("ok");
      http.closeIdle(); // that answer left its connection open for reuse; the next case needs a new one
      assertThatThrownBy(() -> get(server.url("/7"), t)).isInstanceOf(MalformedResponseException.class).hasMessage("two different content-lengths");
    }
  }

  @Test
  void theAppsProxySettingsAreNotUsed() throws Exception {
    FakeSidecar s = sidecar("/ready", Fault.status(200, "LIVE"));
    String[] keys = {"socksProxyHost", "socksProxyPort", "http.proxyHost", "http.proxyPort"};
    try (ServerSocket deadProxy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = deadProxy.getLocalPort();
      deadProxy.close();
      System.setProperty(keys[0], "127.0.0.1");
      System.setProperty(keys[1], Integer.toString(port));
      System.setProperty(keys[2], "127.0.0.1");
      System.setProperty(keys[3], Integer.toString(port));
      assertThat(get(s.url(SidecarPort.ENVOY_ADMIN) + "/ready", Duration.ofSeconds(5)).code).isEqualTo(200);
    } finally {
      for (String k : keys) {
        System.clearProperty(k);
      }
    }
  }

  @Test
  void onlyLoopbackAndTheConfiguredHostsAreAsked() {
    assertThatThrownBy(() -> get("http://mesh-probe.invalid:15000/ready", Duration.ofSeconds(1)))
        .hasMessageContaining("not asking mesh-probe.invalid")
        .hasMessageContaining("meshprobe.admin.allow-remote");
    assertThatThrownBy(() -> get("https://127.0.0.1:15000/ready", Duration.ofSeconds(1))).hasMessageContaining("only plain http");
    assertThatThrownBy(() -> get("http://127.0.0.1:15000/ready\r\nX-Injected: 1", Duration.ofSeconds(1))).hasMessageContaining("control, space");
    assertThatThrownBy(() -> get("http://127.0.0.1:99999/ready", Duration.ofSeconds(1))).hasMessageContaining("bad port");
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  interface Call {
    Object run() throws IOException;
  }

  private static IOException catchIo(Call call) {
    try {
      call.run();
    } catch (IOException e) {
      return e;
    }
    throw new AssertionError("no IOException");
  }

  /** Reads one request head; null at the end of the stream. */
  static String readRequest(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      sb.append((char) b);
      if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
        return sb.toString();
      }
    }
    return null;
  }

  interface Script {
    /** Serves connection number {@code n} (from 1). */
    void serve(InputStream in, OutputStream out, int n, java.util.concurrent.CountDownLatch hold) throws Exception;
  }

  /** A loopback server that plays a script on each connection, on a free port. */
  static final class RawServer implements AutoCloseable {
    final ServerSocket ss;
    final AtomicInteger accepted = new AtomicInteger();
    final java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
    final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final Thread acceptor;

    RawServer(Script script) throws IOException {
      ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor =
          new Thread(
              () -> {
                while (!ss.isClosed()) {
                  try {
                    Socket s = ss.accept();
                    sockets.add(s);
                    int n = accepted.incrementAndGet();
                    Thread t =
                        new Thread(
                            () -> {
                              try (Socket c = s) {
                                script.serve(c.getInputStream(), c.getOutputStream(), n, closed);
                              } catch (Exception ignored) {
                                // the client went away, or we were closed
                              }
                            },
                            "raw-server-conn-" + n);
                    t.setDaemon(true);
                    t.start();
                  } catch (IOException e) {
                    return;
                  }
                }
              },
              "raw-server-accept");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url(String path) {
      return "http://127.0.0.1:" + ss.getLocalPort() + path;
    }

    @Override
    public void close() throws IOException {
      closed.countDown();
      ss.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }
}
