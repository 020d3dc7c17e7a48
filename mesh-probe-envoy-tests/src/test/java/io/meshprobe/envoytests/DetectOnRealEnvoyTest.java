package io.meshprobe.envoytests;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Detection of a generic Envoy mesh from the real Envoy 1.40's {@code /server_info} (about 124 kB: every compiled-in
 * extension under {@code node.extensions}, after the node's id and metadata). Through a relay that passes only the
 * first 8 kB of each answer and then holds the connection silent, like a proxy too loaded to send the rest in time:
 * reading the answer whole can only time out (which made the verdict "no mesh" and released the app); detection reads
 * only up to the node, so it still finds the Envoy, with its version, in one round.
 */
@RequiresEnvoy
class DetectOnRealEnvoyTest {

  @Test
  void genericEnvoyIsDetectedFromTheHeadOfItsServerInfo() throws Exception {
    try (RealSidecar s = RealSidecar.envoyMesh().dir(Dirs.next("detect-envoy-mesh")).start();
        Relay relay = new Relay(URI.create(s.adminUrl()).getPort(), 8192);
        MeshProbe probe =
            s.urls(MeshProbe.builder())
                .envoyAdminUrl("http://127.0.0.1:" + relay.port())
                .podInfoDir(java.nio.file.Paths.get("target", "no-podinfo"))
                .httpTimeout(Duration.ofMillis(500))
                .statusRefresh(Duration.ZERO)
                .build()) {
      // start() returns once Envoy runs; its admin port opens a moment later.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> s.admin().state() != null);
      Detection d = probe.detect();
      assertThat(d.type()).as(d.toString()).isEqualTo(MeshType.ENVOY);
      assertThat(d.certain()).isTrue();
      assertThat(d.version()).isEqualTo("1.40.0");
      // The relay sets the flag when it reads past its budget, on its own thread, which may come after the verdict.
      org.awaitility.Awaitility.await("the relay held back the tail of an answer").atMost(Duration.ofSeconds(30)).until(() -> relay.cut);
    }
  }

  /** Passes requests to Envoy's admin port, and at most {@code budget} bytes of its answers per connection. */
  static final class Relay implements AutoCloseable {
    final ServerSocket server;
    final int target;
    final int budget;
    final List<Socket> sockets = new ArrayList<>();
    volatile boolean cut;

    Relay(int target, int budget) throws IOException {
      this.target = target;
      this.budget = budget;
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      daemon(this::accept);
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        Socket client;
        try {
          client = server.accept();
        } catch (IOException e) {
          return; // closed
        }
        try {
          Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
          synchronized (sockets) {
            sockets.add(client);
            sockets.add(upstream);
          }
          daemon(() -> copy(client, upstream, Long.MAX_VALUE));
          daemon(() -> copy(upstream, client, budget));
        } catch (IOException e) {
          System.err.println("relay: cannot reach 127.0.0.1:" + target + ": " + e);
          try {
            client.close();
          } catch (IOException ignored) {
            // closing
          }
        }
      }
    }

    private void copy(Socket from, Socket to, long max) {
      byte[] buf = new byte[4096];
      long sent = 0;
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buf)) > 0) {
          int pass = (int) Math.min(n, max - sent);
          if (pass < n) {
            cut = true;
          }
          if (pass > 0) {
            out.write(buf, 0, pass);
            out.flush();
            sent += pass;
          }
        }
      } catch (IOException e) {
        // a side closed
      }
    }

    private static void daemon(Runnable r) {
      Thread t = new Thread(r, "relay");
      t.setDaemon(true);
      t.start();
    }

    @Override
    public void close() throws IOException {
      server.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
    }
  }
}
