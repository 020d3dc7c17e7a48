package io.meshprobe.envoytests;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Envoy project's reference Java xDS control plane (java-control-plane), serving ADS over gRPC on a loopback port
 * chosen up front, so that it can start after Envoy (Envoy retries) and stop and start again on the same port. Every
 * Envoy that connects gets the one snapshot set with {@link #push}; until then it gets nothing, exactly as a sidecar
 * whose istiod has not answered yet.
 */
public final class ControlPlane implements AutoCloseable {
  private static final String GROUP = "sidecar";
  /** The control plane logs every closed stream at INFO (through SLF4J to java.util.logging): warnings only. */
  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger("io.envoyproxy.controlplane");

  static {
    LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final int port;
  private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  private final List<String> nacks = new CopyOnWriteArrayList<>();
  private final List<Long> responseEpochMillis = new CopyOnWriteArrayList<>();
  private final AtomicInteger streams = new AtomicInteger();
  private volatile Server server;

  public ControlPlane() {
    this(Ports.free());
  }

  public ControlPlane(int port) {
    this.port = port;
  }

  public int port() {
    return port;
  }

  /** Starts serving (again) on {@link #port()}. */
  public synchronized ControlPlane start() {
    if (server != null) {
      return this;
    }
    V3DiscoveryServer xds = new V3DiscoveryServer(new Callbacks(), cache);
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .addService(xds.getAggregatedDiscoveryServiceImpl())
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the control plane on 127.0.0.1:" + port, e);
    }
    return this;
  }

  public boolean running() {
    return server != null;
  }

  /** Sets the configuration every Envoy receives (now, or when it connects). */
  public void push(Snapshot snapshot) {
    cache.setSnapshot(GROUP, snapshot);
  }

  /** Stops at once: the open ADS streams break, as when istiod goes away. */
  public synchronized void stop() {
    Server s = server;
    server = null;
    if (s != null) {
      s.shutdownNow();
      try {
        s.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Error details of the requests in which Envoy rejected (NACKed) a response, in order. */
  public List<String> nacks() {
    return nacks;
  }

  /** When each discovery response was handed to gRPC, in {@link System#currentTimeMillis()}. */
  public List<Long> responseEpochMillis() {
    return responseEpochMillis;
  }

  /** How many ADS streams Envoy opened so far. */
  public int streamsOpened() {
    return streams.get();
  }

  @Override
  public void close() {
    stop();
  }

  private final class Callbacks implements DiscoveryServerCallbacks {
    @Override
    public void onStreamOpen(long streamId, String typeUrl) {
      streams.incrementAndGet();
    }

    @Override
    public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
      if (request.hasErrorDetail()) {
        nacks.add(request.getTypeUrl() + ": " + request.getErrorDetail().getMessage());
      }
    }

    @Override
    public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

    @Override
    public void onV3StreamResponse(long streamId, DiscoveryRequest request, DiscoveryResponse response) {
      responseEpochMillis.add(System.currentTimeMillis());
    }
  }
}
