package io.meshprobe;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.Fault;
import io.meshprobe.testkit.Fixtures;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Generic Envoy detection when {@code /server_info} is slow to read: Envoy 1.40's answer is ~124 kB (the recorded
 * {@code envoy-1.40/istio-sidecar.server_info.json}), and in a cold JVM under load reading it whole came close to
 * {@code meshprobe.http.timeout}; a timed-out read made the verdict "no mesh" and released the app at once. Detection
 * now reads only up to the node's id and metadata, and an admin API that answered but could not be read is "a proxy,
 * state unknown": asked again until the wait's deadline, never "no mesh".
 */
class EnvoyDetectionUnderLoadTest {
  static final byte[] SERVER_INFO = Fixtures.bytes("envoy-1.40/istio-sidecar.server_info.json");

  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T track(T t) {
    open.add(t);
    return t;
  }

  /**
   * The real 1.40 answer (an Istio-shaped node) whose tail never comes: the head announces all 125,885 bytes, the first
   * 8 kB (node id and metadata end at ~3 kB) are sent, then nothing. Reading the body whole can only time out (the old
   * verdict: no mesh); reading up to the node finds the Istio sidecar in one round.
   */
  @Test
  void anAnswerWhoseTailNeverComesIsStillRead() throws Exception {
    AdminStub admin = track(new AdminStub(Integer.MAX_VALUE, 8192));
    MeshProbe probe = track(ProbeFixture.isolated().envoyAdminUrl(admin.url()).httpTimeout(Duration.ofMillis(500)).build());

    Detection d = probe.detect();

    assertThat(d.type()).as(d.toString()).isEqualTo(MeshType.ISTIO_SIDECAR);
    assertThat(d.certain()).isTrue();
    assertThat(d.version()).isEqualTo("1.28.0");
    assertThat(d.adminUrl()).isEqualTo(admin.url());
  }

  /**
   * The first two reads of /server_info get the head and then silence (a proxy too loaded to answer in time), the third
   * the whole answer; its /ready says PRE_INITIALIZING meanwhile. Outside Kubernetes there is no detection window, so the old verdict was "no mesh" at once (the
   * app released); now detection asks again within the wait's deadline and finds the proxy. (The stub has no
   * pilot-agent, so the wait itself then times out on Istio's readiness: the point is the verdict.)
   */
  @Test
  void anAdminThatAnsweredButCouldNotBeReadIsAskedAgainWithinTheWait() throws Exception {
    AdminStub admin = track(new AdminStub(2, 0));
    MeshProbe probe = track(ProbeFixture.isolated().envoyAdminUrl(admin.url()).httpTimeout(Duration.ofMillis(200)).build());

    WaitResult r = probe.awaitReady(Duration.ofSeconds(3));

    assertThat(r.outcome()).as(r.message()).isNotEqualTo(WaitOutcome.NO_PROXY);
    assertThat(r.detection().type()).isEqualTo(MeshType.ISTIO_SIDECAR);
    assertThat(r.detection().certain()).isTrue();
    assertThat(admin.serverInfoRequests.get()).isGreaterThanOrEqualTo(3);
  }

  /**
   * The fake sidecar's Envoy sends the head of /server_info and never the body, and its /ready says PRE_INITIALIZING:
   * the wait times out at its deadline (a proxy is there, not ready) instead of NO_PROXY, and says why. Once its
   * /ready says LIVE, the same proxy releases the wait.
   */
  @Test
  void anAdminThatNeverGetsReadableIsAProxyOfUnknownKindNotNoProxy() {
    FakeSidecar notReady =
        track(FakeSidecar.envoy().freePorts().readyManually().fault("/server_info", Fault.headersThenHang()).start());
    MeshProbe probe = track(ProbeFixture.aimedAt(notReady).httpTimeout(Duration.ofMillis(500)).build());

    WaitResult r = probe.awaitReady(Duration.ofMillis(2500));

    assertThat(r.outcome()).as(r.message()).isEqualTo(WaitOutcome.TIMED_OUT);
    assertThat(r.detection().type()).isEqualTo(MeshType.ENVOY);
    assertThat(r.detection().certain()).isFalse();
    assertThat(r.detection().source()).contains("could not be read in time", "timed out");
    assertThat(r.detection().adminUrl()).isEqualTo(notReady.url(io.meshprobe.testkit.SidecarPort.ENVOY_ADMIN));

    // detect() outside Kubernetes has no window: one round, an uncertain ENVOY at once.
    MeshProbe other = track(ProbeFixture.aimedAt(notReady).httpTimeout(Duration.ofMillis(500)).build());
    Detection d = other.detect();
    assertThat(d.type()).isEqualTo(MeshType.ENVOY);
    assertThat(d.certain()).isFalse();

    FakeSidecar live = track(FakeSidecar.envoy().freePorts().fault("/server_info", Fault.headersThenHang()).start());
    WaitResult released = track(ProbeFixture.aimedAt(live).httpTimeout(Duration.ofMillis(500)).build()).awaitReady(Duration.ofSeconds(20));
    assertThat(released.outcome()).as(released.message()).isEqualTo(WaitOutcome.READY);
    assertThat(released.lastAnswer()).isEqualTo("HTTP 200 LIVE");
    assertThat(released.waited()).isLessThan(Duration.ofSeconds(10));
  }

  /** A 404 on /server_info is no Envoy admin API: with nothing else there, no mesh, as before. */
  @Test
  void anHttpErrorOnServerInfoIsNoEnvoy() {
    FakeSidecar sidecar = track(FakeSidecar.envoy().freePorts().fault("/server_info", Fault.status(404, "no such page")).start());
    MeshProbe probe = track(ProbeFixture.aimedAt(sidecar).httpTimeout(Duration.ofMillis(150)).build());

    assertThat(probe.awaitReady(Duration.ofSeconds(5)).outcome()).isEqualTo(WaitOutcome.NO_PROXY);
  }

  /**
   * An Envoy admin API in test code: {@code /ready} says PRE_INITIALIZING (503, not ready yet); the first {@code stalls} reads of {@code /server_info}
   * get the head (with the full length) and {@code prefix} bytes of the recorded answer, then silence until closed;
   * later ones the whole answer.
   */
  static final class AdminStub implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger serverInfoRequests = new AtomicInteger();
    final CountDownLatch closed = new CountDownLatch(1);
    final List<Socket> sockets = new ArrayList<>();
    final int stalls;
    final int prefix;

    AdminStub(int stalls, int prefix) throws IOException {
      this.stalls = stalls;
      this.prefix = prefix;
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::accept, "admin-stub");
      t.setDaemon(true);
      t.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          synchronized (sockets) {
            sockets.add(s);
          }
          Thread t = new Thread(() -> serve(s), "admin-stub-conn");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket s) {
      try (Socket socket = s) {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        OutputStream out = socket.getOutputStream();
        String line;
        while ((line = in.readLine()) != null) {
          String path = line.split(" ")[1];
          while (!(line = in.readLine()).isEmpty()) {
            // headers
          }
          if (path.equals("/ready")) {
            write(out, 503, "PRE_INITIALIZING\n".getBytes(StandardCharsets.US_ASCII), -1);
          } else if (path.equals("/server_info")) {
            if (serverInfoRequests.incrementAndGet() <= stalls) {
              write(out, 200, SERVER_INFO, prefix);
              closed.await();
              return;
            }
            write(out, 200, SERVER_INFO, -1);
          } else {
            write(out, 404, new byte[0], -1);
          }
        }
      } catch (IOException | InterruptedException e) {
        // the client went away
      }
    }

    /** Writes the head announcing all of {@code body}, then {@code sent} bytes of it (all when negative). */
    private static void write(OutputStream out, int code, byte[] body, int sent) throws IOException {
      String head = "HTTP/1.1 " + code + (code == 200 ? " OK" : code == 503 ? " Service Unavailable" : " Not Found") + "\r\ncontent-type: text/plain\r\ncontent-length: "
          + body.length + "\r\n\r\n";
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body, 0, sent < 0 ? body.length : Math.min(sent, body.length));
      out.flush();
    }

    @Override
    public void close() throws IOException {
      closed.countDown();
      server.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
