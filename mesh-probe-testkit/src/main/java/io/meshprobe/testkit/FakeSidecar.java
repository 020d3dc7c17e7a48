package io.meshprobe.testkit;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.meshprobe.testkit.internal.Dispatcher;
import io.meshprobe.testkit.internal.FaultPlayer;
import io.meshprobe.testkit.internal.FaultScript;
import io.meshprobe.testkit.internal.MiniHttpServer;
import io.meshprobe.testkit.internal.Scenario;

/**
 * A fake service-mesh sidecar: a real HTTP server on real local ports that impersonates the Istio sidecar
 * (pilot-agent status server, Envoy readiness listener, Envoy admin), the Linkerd proxy admin server or a
 * generic Envoy admin, serving payloads recorded from the real proxies (see {@code fixtures/SOURCES.md}).
 *
 * <p>Lifecycle, as a real pod sees it: <em>not listening</em> (connection refused) &rarr; <em>listening, not
 * ready</em> (503) &rarr; <em>ready</em> (200) &rarr; <em>stopped</em> after a quit call or {@link #close()}.
 * When it turns ready it logs one line containing {@code READY epochMillis=<currentTimeMillis>} so another
 * process can measure how fast a client noticed.
 *
 * <pre>{@code
 * try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyAfter(Duration.ofMillis(300)).start()) {
 *     String readyUrl = sidecar.url(SidecarPort.ISTIO_READINESS) + "/healthz/ready";
 *     ...
 * }
 * }</pre>
 *
 * <p>The HTTP server is written on plain {@link java.net.ServerSocket} rather than the JDK's
 * {@code HttpServer}: only raw sockets can send a TCP reset, a garbage status line, or headers followed by
 * silence, which {@link Fault} scripting needs. One accept thread per port and one thread per connection, all
 * daemon threads named {@code fake-sidecar-*}; {@link #close()} releases every port and joins every thread,
 * even with connections hanging.
 *
 * <p>Built like OkHttp's mockwebserver3: this class is the server's lifecycle (start, ports, readiness, kill,
 * quit, close) and its request journal ({@link #requests()}, {@link #awaitRequest}); what each proxy answers
 * is the business of one dispatcher per {@link Personality}, and scripted {@link Fault}s are played by a fault
 * player, both in {@code io.meshprobe.testkit.internal}. Every request is recorded first, then a fault on its
 * path plays, else the dispatcher answers.
 *
 * <p>It never parses what it serves with mesh-probe-api code: it is the independent check on those parsers.
 */
public final class FakeSidecar implements AutoCloseable {

  private static final AtomicInteger IDS = new AtomicInteger();

  private final int id = IDS.incrementAndGet();
  private final Personality personality;
  private final EnumMap<SidecarPort, Integer> configuredPorts;
  private final InetAddress bindAddress;
  private final Duration readyAfter;
  private final boolean readyManually;
  private final Duration listenAfter;
  private final boolean listenManually;
  private final boolean stopOnQuit;
  private final boolean logRequests;
  private final PrintStream log;
  private final FaultPlayer faults;
  private final Dispatcher dispatcher;

  private final Object lock = new Object();
  private final List<RecordedRequest> requests = new ArrayList<RecordedRequest>();
  private final EnumMap<SidecarPort, MiniHttpServer> servers = new EnumMap<SidecarPort, MiniHttpServer>(SidecarPort.class);
  private final EnumMap<SidecarPort, Integer> actualPorts = new EnumMap<SidecarPort, Integer>(SidecarPort.class);
  private final CountDownLatch stoppedLatch = new CountDownLatch(1);

  private volatile boolean ready;
  private volatile Long readyAt;
  private volatile long listeningSinceNanos;
  private boolean started;
  private boolean listening;
  private boolean stopping;
  private ScheduledExecutorService scheduler;
  private Thread stopper;

  private FakeSidecar(Builder b) {
    this.personality = b.personality;
    this.configuredPorts = new EnumMap<SidecarPort, Integer>(b.ports);
    try {
      this.bindAddress = InetAddress.getByName(b.bindAddress);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad bind address " + b.bindAddress, e);
    }
    this.readyAfter = b.readyAfter;
    this.readyManually = b.readyManually;
    this.listenAfter = b.listenAfter;
    this.listenManually = b.listenManually;
    this.stopOnQuit = b.stopOnQuit;
    this.logRequests = b.logRequests;
    this.log = b.log;
    Map<String, FaultScript> scripts = new LinkedHashMap<String, FaultScript>();
    for (Map.Entry<String, Fault> e : b.faults.entrySet()) {
      if (portsServing(e.getKey()).isEmpty()) {
        throw new IllegalArgumentException("fault on " + e.getKey() + ": no " + personality.id()
            + " port serves that path");
      }
      scripts.put(e.getKey(), e.getValue().script());
    }
    this.faults = new FaultPlayer(scripts);
    this.dispatcher = Dispatcher.of(personality, b.scenario.copy(), new Host());
  }

  /** A builder for an Istio sidecar: Envoy admin 15000, pilot-agent 15020, Envoy readiness 15021. */
  public static Builder istio() {
    return new Builder(Personality.ISTIO);
  }

  /** A builder for a Linkerd proxy: admin server 4191. */
  public static Builder linkerd() {
    return new Builder(Personality.LINKERD);
  }

  /** A builder for a generic Envoy (Kuma, App Mesh, Consul...): admin only, 9901 by default. */
  public static Builder envoy() {
    return new Builder(Personality.ENVOY);
  }

  /** A builder for {@code personality}. */
  public static Builder builder(Personality personality) {
    return new Builder(personality);
  }

  /** Which proxy this fakes. */
  public Personality personality() {
    return personality;
  }

  /**
   * Starts: opens the ports at once, unless {@link Builder#listenAfter} or {@link Builder#listenManually} was
   * set (free ports are then chosen now, so {@link #port} and {@link #url} work, but refuse connections).
   * Calling it again does nothing.
   *
   * @return this
   * @throws UncheckedIOException if a port cannot be bound
   */
  public FakeSidecar start() {
    synchronized (lock) {
      if (stopping) {
        throw new IllegalStateException("this fake sidecar was stopped; build a new one");
      }
      if (started) {
        return this;
      }
      started = true;
      if (listenManually || listenAfter != null) {
        reserveFreePorts();
        if (!listenManually) {
          schedule(new Runnable() {
            @Override
            public void run() {
              startListening();
            }
          }, listenAfter);
        }
      } else {
        startListening();
      }
    }
    return this;
  }

  /** Opens the ports now, if they are not open yet, and starts the readiness clock. */
  public void startListening() {
    synchronized (lock) {
      if (stopping) {
        throw new IllegalStateException("this fake sidecar was stopped");
      }
      started = true;
      if (listening) {
        return;
      }
      try {
        for (final SidecarPort p : personality.ports()) {
          Integer reserved = actualPorts.get(p);
          int want = reserved != null ? reserved : configuredPorts.get(p);
          MiniHttpServer server = MiniHttpServer.start(bindAddress, want, threadPrefix(), Dispatcher.style(p),
              new MiniHttpServer.Handler() {
                @Override
                public void handle(MiniHttpServer.Exchange exchange) throws IOException {
                  FakeSidecar.this.handle(p, exchange);
                }
              });
          servers.put(p, server);
          actualPorts.put(p, server.port());
        }
      } catch (IOException e) {
        for (MiniHttpServer s : servers.values()) {
          s.close();
        }
        servers.clear();
        throw new UncheckedIOException("fake-sidecar " + personality.id() + ": cannot bind " + bindAddress
            .getHostAddress() + " ports " + configuredPorts + ": " + e.getMessage(), e);
      }
      listening = true;
      listeningSinceNanos = System.nanoTime();
      for (SidecarPort p : personality.ports()) {
        log(p + " listening on " + url(p));
      }
      if (!readyManually) {
        if (readyAfter.isZero() || readyAfter.isNegative()) {
          becomeReady();
        } else {
          schedule(new Runnable() {
            @Override
            public void run() {
              becomeReady();
            }
          }, readyAfter);
        }
      }
    }
  }

  /**
   * Simulates the proxy dying while the app runs (a crashed or restarting container): closes every port and
   * connection, so that calls are refused, and turns not ready. The port numbers stay this sidecar's, so
   * {@link #restart()} brings it back on the same ones. Unlike {@link #close()}, the sidecar is not stopped. Does
   * nothing when it is not listening.
   */
  public void kill() {
    List<MiniHttpServer> toClose;
    synchronized (lock) {
      if (stopping || !listening) {
        return;
      }
      listening = false;
      ready = false;
      toClose = new ArrayList<MiniHttpServer>(servers.values());
      servers.clear();
    }
    for (MiniHttpServer s : toClose) {
      s.close();
    }
    log("killed: every port refuses connections until restart()");
  }

  /**
   * Brings a {@link #kill() killed} sidecar back on the same ports, like the kubelet restarting the container: it
   * listens at once and turns ready as the builder says ({@code readyAfter}, or {@link #becomeReady()} when
   * {@code readyManually}). Does nothing when it is listening.
   *
   * @throws IllegalStateException if it was stopped (a quit or {@link #close()})
   * @throws UncheckedIOException if a port was taken meanwhile
   */
  public void restart() {
    startListening();
  }

  /** Turns ready now and logs the {@code READY epochMillis=...} line (once per transition). */
  public void becomeReady() {
    synchronized (lock) {
      if (ready || stopping) {
        return;
      }
      long now = System.currentTimeMillis();
      readyAt = now;
      ready = true;
      log("READY epochMillis=" + now);
    }
  }

  /**
   * Turns not ready again. Real Istio and Linkerd latch readiness (once ready they stay ready); this exists for
   * flapping and regression tests.
   */
  public void becomeNotReady() {
    synchronized (lock) {
      if (ready) {
        ready = false;
        log("not ready again (becomeNotReady)");
      }
    }
  }

  /**
   * Envoy/Istio: changes what {@code /stats} says about the control-plane connection from now on (the builder's
   * {@link Builder#controlPlaneConnected(boolean)} sets the start value), so a test can make the
   * {@code controlplane-disconnected} finding appear and clear while the sidecar runs.
   */
  public void setControlPlaneConnected(boolean connected) {
    dispatcher.setControlPlaneConnected(connected);
  }

  /** True while the sidecar reports ready. */
  public boolean isReady() {
    return ready;
  }

  /** When it last turned ready ({@link System#currentTimeMillis()}), or null if it never did. */
  public Long readyAtEpochMillis() {
    return readyAt;
  }

  /**
   * The actual port number of {@code port}: the bound one, the one reserved for a delayed listen, or the
   * configured fixed one.
   *
   * @throws IllegalArgumentException if this personality has no such port
   * @throws IllegalStateException if a free port was asked for and {@link #start()} has not chosen it yet
   */
  public int port(SidecarPort port) {
    if (!personality.has(port)) {
      throw new IllegalArgumentException(personality + " has no " + port + " port (it has " + personality.ports() + ")");
    }
    synchronized (lock) {
      Integer actual = actualPorts.get(port);
      if (actual != null) {
        return actual;
      }
      int configured = configuredPorts.get(port);
      if (configured == 0) {
        throw new IllegalStateException("free port for " + port + " is chosen by start()");
      }
      return configured;
    }
  }

  /** Base URL of {@code port}, e.g. {@code http://127.0.0.1:15020} or {@code http://[::1]:15020}. */
  public String url(SidecarPort port) {
    return "http://" + urlHost() + ":" + port(port);
  }

  private String urlHost() {
    if (bindAddress.isAnyLocalAddress()) {
      return bindAddress instanceof Inet6Address ? "[::1]" : "127.0.0.1";
    }
    if (bindAddress instanceof Inet6Address) {
      return bindAddress.isLoopbackAddress() ? "[::1]" : "[" + bindAddress.getHostAddress() + "]";
    }
    return bindAddress.getHostAddress();
  }

  /** Every request received so far, in arrival order (a snapshot; faulted requests included). */
  public List<RecordedRequest> requests() {
    synchronized (requests) {
      return Collections.unmodifiableList(new ArrayList<RecordedRequest>(requests));
    }
  }

  /**
   * The first request (already received or still to come) with this method and path, waiting up to
   * {@code timeout}.
   *
   * @param method e.g. {@code POST}, case-insensitive; null matches any method
   * @param path the path; a query part, if given, is ignored
   * @return the request, or null on timeout
   */
  public RecordedRequest awaitRequest(String method, String path, Duration timeout) throws InterruptedException {
    int q = path.indexOf('?');
    String wanted = q < 0 ? path : path.substring(0, q);
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (requests) {
      int checked = 0;
      while (true) {
        for (; checked < requests.size(); checked++) {
          RecordedRequest r = requests.get(checked);
          if ((method == null || method.equalsIgnoreCase(r.method())) && wanted.equals(r.path())) {
            return r;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(requests, left);
      }
    }
  }

  /** True once the sidecar has stopped (after a quit call, or {@link #close()}) and released its ports. */
  public boolean isStopped() {
    return stoppedLatch.getCount() == 0;
  }

  /** Waits until the sidecar has stopped; true if it did within {@code timeout}. */
  public boolean awaitStopped(Duration timeout) throws InterruptedException {
    return stoppedLatch.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Stops everything: closes every port and connection (hanging ones included) and waits for all its threads.
   * Idempotent; also waits for a stop already begun by a quit call.
   */
  @Override
  public void close() {
    shutdown("closed");
    Thread t;
    synchronized (lock) {
      t = stopper;
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(10000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "FakeSidecar[" + personality.id() + " #" + id + " ports=" + actualPorts + " ready=" + ready
          + (isStopped() ? " stopped" : "") + "]";
    }
  }

  // ---------------------------------------------------------------- lifecycle internals

  /** Every thread of this instance has a name starting with this ({@code fake-sidecar-<id>-}). */
  String threadNamePrefix() {
    return "fake-sidecar-" + id + "-";
  }

  private void shutdown(String reason) {
    List<MiniHttpServer> toClose;
    ScheduledExecutorService sched;
    synchronized (lock) {
      if (stopping) {
        return;
      }
      stopping = true;
      listening = false;
      toClose = new ArrayList<MiniHttpServer>(servers.values());
      servers.clear();
      sched = scheduler;
      scheduler = null;
    }
    if (sched != null) {
      sched.shutdownNow();
      try {
        sched.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (MiniHttpServer s : toClose) {
      s.close();
    }
    log("stopped (" + reason + ")");
    stoppedLatch.countDown();
  }

  /** A quit endpoint was called and answered: stop soon, from another thread, unless stopOnQuit(false). */
  private void quit(String what) {
    if (!stopOnQuit) {
      log(what + " answered; lingering (stopOnQuit=false)");
      return;
    }
    synchronized (lock) {
      if (stopping || stopper != null) {
        return;
      }
      final String reason = what;
      stopper = new Thread(new Runnable() {
        @Override
        public void run() {
          shutdown(reason);
        }
      }, threadPrefix() + "-stopper");
      stopper.setDaemon(true);
      stopper.start();
    }
  }

  private void schedule(final Runnable task, Duration delay) {
    synchronized (lock) {
      if (stopping) {
        return;
      }
      if (scheduler == null) {
        final String name = threadPrefix() + "-timer";
        ScheduledThreadPoolExecutor exec = new ScheduledThreadPoolExecutor(1, new ThreadFactory() {
          @Override
          public Thread newThread(Runnable r) {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
          }
        });
        exec.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        scheduler = exec;
      }
      scheduler.schedule(new Runnable() {
        @Override
        public void run() {
          try {
            synchronized (lock) {
              if (stopping) {
                return;
              }
            }
            task.run();
          } catch (RuntimeException e) {
            log("scheduled step failed: " + e.getMessage());
          }
        }
      }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void reserveFreePorts() {
    for (SidecarPort p : personality.ports()) {
      if (configuredPorts.get(p) == 0 && !actualPorts.containsKey(p)) {
        try (ServerSocket probe = new ServerSocket(0, 1, bindAddress)) {
          actualPorts.put(p, probe.getLocalPort());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot find a free port on " + bindAddress.getHostAddress(), e);
        }
      }
    }
  }

  private String threadPrefix() {
    return "fake-sidecar-" + id + "-" + personality.id();
  }

  private List<SidecarPort> portsServing(String path) {
    List<SidecarPort> out = new ArrayList<SidecarPort>();
    for (SidecarPort p : personality.ports()) {
      if (Dispatcher.paths(p).contains(path)) {
        out.add(p);
      }
    }
    return out;
  }

  private void log(String message) {
    log.println("fake-sidecar: " + personality.id() + " " + message);
  }

  // ---------------------------------------------------------------- journal and dispatch

  /** Every request: into the journal first, then the fault scripted for its path, else the dispatcher. */
  private void handle(SidecarPort port, MiniHttpServer.Exchange ex) throws IOException {
    RecordedRequest r = new RecordedRequest(ex.method(), ex.target(), ex.headers(), ex.body(), ex.localPort(),
        ex.epochMillis(), ex.nanoTime());
    synchronized (requests) {
      requests.add(r);
      requests.notifyAll();
    }
    if (logRequests) {
      log(r.method() + " " + r.target() + " on " + port + " (" + r.port() + ")");
    }
    boolean readyNow = ready;
    FaultScript fault = Dispatcher.paths(port).contains(r.path()) ? faults.faultOn(r.path()) : null;
    if (fault != null) {
      if (fault.kind() != FaultScript.Kind.FLAPPING) {
        faults.play(fault, Dispatcher.style(port), ex);
        return;
      }
      readyNow = faults.flap(r.path());
    }
    dispatcher.dispatch(port, r, ex, readyNow);
  }

  /** What the dispatchers may ask of this fake (not an interface of the public class itself). */
  private final class Host implements Dispatcher.Host {
    @Override
    public void quit(String what) {
      FakeSidecar.this.quit(what);
    }

    @Override
    public void log(String message) {
      FakeSidecar.this.log(message);
    }

    @Override
    public long listeningSinceNanos() {
      return listeningSinceNanos;
    }
  }

  /**
   * Configures a {@link FakeSidecar}. Every setter returns this builder; later calls win. Defaults are those of
   * the real proxy: real port numbers on {@code 127.0.0.1}, ready as soon as it listens, quit stops it.
   */
  public static final class Builder {
    private final Personality personality;
    private final EnumMap<SidecarPort, Integer> ports = new EnumMap<SidecarPort, Integer>(SidecarPort.class);
    private String bindAddress = "127.0.0.1";
    private Duration readyAfter = Duration.ZERO;
    private boolean readyManually;
    private Duration listenAfter;
    private boolean listenManually;
    private final Scenario scenario = new Scenario();
    private boolean stopOnQuit = true;
    private boolean logRequests;
    private final Map<String, Fault> faults = new LinkedHashMap<String, Fault>();
    private PrintStream log = System.err;

    Builder(Personality personality) {
      this.personality = personality;
      for (SidecarPort p : personality.ports()) {
        ports.put(p, personality.defaultPort(p));
      }
    }

    /** Binds every port to a free ephemeral port (what tests want); read them back with {@link FakeSidecar#port}. */
    public Builder freePorts() {
      for (SidecarPort p : personality.ports()) {
        ports.put(p, 0);
      }
      return this;
    }

    /**
     * Moves one port ({@code 0} = a free one), e.g. {@code port(SidecarPort.ENVOY_ADMIN, 19000)} for Consul.
     *
     * @throws IllegalArgumentException if this personality has no such port
     */
    public Builder port(SidecarPort p, int port) {
      if (!personality.has(p)) {
        throw new IllegalArgumentException(personality + " has no " + p + " port (it has " + personality.ports() + ")");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      ports.put(p, port);
      return this;
    }

    /** The address to bind, default {@code 127.0.0.1}; {@code ::1} for IPv6-only pods, {@code 0.0.0.0} for all. */
    public Builder bindAddress(String address) {
      if (address == null || address.isEmpty()) {
        throw new IllegalArgumentException("bind address is required");
      }
      this.bindAddress = address;
      return this;
    }

    /** Become ready this long after the ports open (default: at once). */
    public Builder readyAfter(Duration d) {
      this.readyAfter = nonNegative(d);
      this.readyManually = false;
      return this;
    }

    /** Never ready until {@link FakeSidecar#becomeReady()}. */
    public Builder readyManually() {
      this.readyManually = true;
      return this;
    }

    /** Open the ports (until then: connection refused) this long after {@code start()}. */
    public Builder listenAfter(Duration d) {
      this.listenAfter = nonNegative(d);
      this.listenManually = false;
      return this;
    }

    /** Do not open the ports until {@link FakeSidecar#startListening()}. */
    public Builder listenManually() {
      this.listenManually = true;
      this.listenAfter = null;
      return this;
    }

    /**
     * The {@code /config_dump} fixture, relative to {@code fixtures/} (or a file path). Default for Istio:
     * {@code istio/sidecar-1.3-productpage-permissive-http.config_dump.json} (it has a bootstrap with
     * {@code sidecar.istio.io/status}, {@code ISTIO_VERSION} and excludeInboundPorts); for Envoy:
     * {@code istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json} (listeners only).
     */
    public Builder configDump(String fixture) {
      scenario.configDump = fixture;
      return this;
    }

    /** The {@code /certs} fixture, default {@code other/appmesh-envoy-certs-spire-svid.json}. */
    public Builder certs(String fixture) {
      scenario.certs = fixture;
      return this;
    }

    /**
     * Derived scenario (not a recording): rewrites the served {@code sidecar.istio.io/status} annotation so
     * {@code istio-proxy} is listed under {@code initContainers}, as for a Kubernetes native sidecar.
     */
    public Builder nativeSidecar(boolean b) {
      scenario.nativeSidecar = b;
      return this;
    }

    /** Derived scenario: rewrites every {@code ISTIO_VERSION} in the served node metadata to {@code v}. */
    public Builder istioVersion(String v) {
      scenario.istioVersion = v;
      return this;
    }

    /** Linkerd: whether {@code POST /shutdown} works. Default false, as in real Linkerd since June 2024. */
    public Builder shutdownEnabled(boolean b) {
      scenario.shutdownEnabled = b;
      return this;
    }

    /**
     * Envoy/Istio: whether {@code /stats} shows {@code control_plane.connected_state: 1} (default) or {@code 0}, as
     * when istiod is scaled to zero and the proxy runs on its last config. Synthetic stats, see the README.
     */
    public Builder controlPlaneConnected(boolean b) {
      scenario.controlPlaneConnected = b;
      return this;
    }

    /**
     * Envoy/Istio, derived scenario: the served config_dump gains a dynamic listener {@code 0.0.0.0_8443} that Envoy
     * rejected (only a {@code name} and an {@code error_state}, as for a new listener that never became active), and
     * {@code /stats} counts {@code listener_manager.lds.update_rejected: 1}.
     */
    public Builder rejectedListener(boolean b) {
      scenario.rejectedListener = b;
      return this;
    }

    /**
     * The proxy's memory in bytes: Envoy's synthetic {@code server.memory_physical_size} (default 30 MiB; allocated
     * and heap size are scaled from it), and for Linkerd the value of {@code process_resident_memory_bytes} in the
     * recorded {@code /metrics} (derived; default: the recorded 17805312).
     */
    public Builder proxyMemory(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("memory must be >= 0: " + bytes);
      }
      scenario.proxyMemory = bytes;
      return this;
    }

    /** Default true. False: quit answers 200 but the proxy lingers (never stops by itself). */
    public Builder stopOnQuit(boolean b) {
      this.stopOnQuit = b;
      return this;
    }

    /**
     * Scripts a fault for a path (no query), on every port that serves it, e.g.
     * {@code fault("/healthz/ready", Fault.status(500, "boom"))}. Null removes it.
     *
     * @throws IllegalArgumentException if the path is not absolute or has a query
     */
    public Builder fault(String path, Fault fault) {
      if (path == null || !path.startsWith("/") || path.indexOf('?') >= 0) {
        throw new IllegalArgumentException("fault path must be an absolute path without query: " + path);
      }
      if (fault == null) {
        faults.remove(path);
      } else {
        faults.put(path, fault);
      }
      return this;
    }

    /** Also log one line per request received (default false). */
    public Builder logRequests(boolean b) {
      this.logRequests = b;
      return this;
    }

    /** Where the one-line logs go (listening, READY, stopped); default {@code System.err}. */
    public Builder log(PrintStream out) {
      if (out == null) {
        throw new IllegalArgumentException("log stream is required");
      }
      this.log = out;
      return this;
    }

    private static Duration nonNegative(Duration d) {
      if (d == null || d.isNegative()) {
        throw new IllegalArgumentException("duration must be >= 0: " + d);
      }
      return d;
    }

    /**
     * Builds a sidecar, not started.
     *
     * @throws IllegalArgumentException for a missing fixture, a bad bind address or a fault on a path no port
     *         of this personality serves
     */
    public FakeSidecar build() {
      return new FakeSidecar(this);
    }

    /** {@code build().start()}. */
    public FakeSidecar start() {
      return build().start();
    }
  }
}
