package io.meshprobe.agent.internal;

import io.meshprobe.internal.meters.MeterSource;
import io.meshprobe.internal.meters.PrometheusText;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.Charset;
import java.util.Locale;

/**
 * The agent's opt-in Prometheus endpoint, for JVMs without Micrometer: {@code GET /metrics} on
 * {@code meshprobe.agent.metrics.port} (env {@code MESHPROBE_AGENT_METRICS_PORT}; default off) and
 * {@code meshprobe.agent.metrics.host} (env {@code MESHPROBE_AGENT_METRICS_HOST}; default all interfaces, so
 * Prometheus can scrape the pod). The body is {@link PrometheusText}: the same series as a Micrometer Prometheus
 * scrape of the library, so one dashboard and one set of alerts serve every way in.
 *
 * <p>A plain {@link ServerSocket} loop on one daemon thread, {@code mesh-probe-metrics-http}: no framework, and not
 * even the JDK's {@code com.sun.net.httpserver}, which may start {@code java.util.logging} before the app has set
 * its log manager. One request per connection ({@code Connection: close}), a 5 s read deadline and an 8 KiB cap on
 * the request head. A port already taken is one line on stderr, and the app starts anyway.
 */
final class MetricsEndpoint {
  static final String PORT = "meshprobe.agent.metrics.port";
  static final String HOST = "meshprobe.agent.metrics.host";
  private static final Charset UTF8 = Charset.forName("UTF-8");
  private static final int MAX_HEAD = 8192;
  private static final int READ_TIMEOUT_MS = 5000;

  private final ServerSocket server;
  private final MeterSource source;

  private MetricsEndpoint(ServerSocket server, MeterSource source) {
    this.server = server;
    this.source = source;
  }

  /** The configured port, or -1 when the endpoint is off (or the value is not a port: one WARN line). */
  static int configuredPort() {
    String v = AgentConfig.get(PORT, "");
    if (v.isEmpty()) {
      return -1;
    }
    try {
      int port = Integer.parseInt(v);
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException ignored) {
      // below
    }
    AgentLog.warn(PORT + " must be a TCP port (0-65535), but was '" + v + "'; the metrics endpoint stays off");
    return -1;
  }

  /**
   * Starts the endpoint if a port is configured; returns it, or {@code null} when off or not possible (one line
   * said why). Call from a daemon thread: the serving thread is started from here.
   */
  static MetricsEndpoint startIfConfigured(MeterSource source) {
    int port = configuredPort();
    if (port < 0) {
      return null;
    }
    String host = AgentConfig.get(HOST, "");
    if (port > 0) {
      ListeningPorts.agentPort = port;
    }
    ServerSocket s = null;
    try {
      InetAddress address = host.isEmpty() ? null : InetAddress.getByName(host);
      s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(address, port), 16);
    } catch (BindException e) {
      close(s);
      ListeningPorts.agentPort = -1;
      AgentLog.warn(
          "metrics endpoint not started: "
              + (host.isEmpty() ? "" : host + ":")
              + port
              + " is taken or not available ("
              + e.getMessage()
              + "); set "
              + PORT
              + " to a free port. The app goes on without it");
      return null;
    } catch (Exception e) {
      close(s);
      AgentLog.warn("metrics endpoint not started on " + (host.isEmpty() ? "" : host + ":") + port + ": " + e + "; the app goes on without it");
      return null;
    }
    ListeningPorts.agentPort = s.getLocalPort();
    final MetricsEndpoint endpoint = new MetricsEndpoint(s, source);
    Thread t =
        new Thread(
            new Runnable() {
              @Override
              public void run() {
                endpoint.serve();
              }
            },
            "mesh-probe-metrics-http");
    t.setDaemon(true);
    t.setContextClassLoader(null);
    t.start();
    AgentLog.debug("metrics on http://" + (host.isEmpty() ? "*" : host) + ":" + endpoint.port() + "/metrics");
    return endpoint;
  }

  /**
   * If a port is configured, starts the endpoint on a new daemon thread (off premain's path), reading the state
   * {@code source} gives there.
   */
  static void startInBackground(final MicrometerBridge.StateSource source) {
    if (AgentConfig.get(PORT, "").isEmpty()) {
      return;
    }
    Thread t =
        new Thread(
            new Runnable() {
              @Override
              public void run() {
                try {
                  startIfConfigured(source.get().meters());
                } catch (Throwable e) {
                  AgentLog.warn("metrics endpoint not started: " + e + "; the app goes on without it");
                }
              }
            },
            "mesh-probe-metrics-start");
    t.setDaemon(true);
    t.setContextClassLoader(null);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void serve() {
    while (!server.isClosed()) {
      Socket c;
      try {
        c = server.accept();
      } catch (IOException e) {
        if (server.isClosed()) {
          return;
        }
        continue;
      }
      try {
        handle(c);
      } catch (Throwable e) {
        AgentLog.debug("metrics request failed: " + e);
      } finally {
        close(c);
      }
    }
  }

  private void handle(Socket c) throws IOException {
    c.setSoTimeout(READ_TIMEOUT_MS);
    String requestLine = readHead(c.getInputStream());
    OutputStream out = c.getOutputStream();
    if (requestLine == null) {
      respond(out, "400 Bad Request", "text/plain; charset=utf-8", "bad request\n", true);
      return;
    }
    String[] parts = requestLine.split(" ");
    String method = parts[0].toUpperCase(Locale.ROOT);
    String path = parts.length > 1 ? parts[1] : "";
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    if (!path.equals("/metrics")) {
      respond(out, "404 Not Found", "text/plain; charset=utf-8", "mesh-probe serves /metrics only\n", true);
    } else if (!method.equals("GET") && !method.equals("HEAD")) {
      respond(out, "405 Method Not Allowed", "text/plain; charset=utf-8", "GET /metrics\n", true);
    } else {
      respond(out, "200 OK", PrometheusText.CONTENT_TYPE, PrometheusText.render(source), method.equals("GET"));
    }
  }

  /** The request line, after reading the whole head (to the empty line); {@code null} if malformed or too long. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0) {
      head.append((char) b);
      int n = head.length();
      if (n >= 4 && head.charAt(n - 4) == '\r' && head.charAt(n - 3) == '\n' && head.charAt(n - 2) == '\r' && head.charAt(n - 1) == '\n') {
        break;
      }
      if (n >= 2 && head.charAt(n - 2) == '\n' && head.charAt(n - 1) == '\n') {
        break;
      }
      if (n > MAX_HEAD) {
        return null;
      }
    }
    int end = head.indexOf("\n");
    if (end <= 0) {
      return null;
    }
    String line = head.substring(0, end).trim();
    return line.isEmpty() ? null : line;
  }

  private static void respond(OutputStream out, String status, String type, String body, boolean withBody) throws IOException {
    byte[] bytes = body.getBytes(UTF8);
    String head =
        "HTTP/1.1 " + status + "\r\nContent-Type: " + type + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
    out.write(head.getBytes(UTF8));
    if (withBody) {
      out.write(bytes);
    }
    out.flush();
  }

  void close() {
    close(server);
  }

  private static void close(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
