package io.meshprobe.envoytests;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.StringJoiner;

/**
 * The xDS resources the control plane sends: Istio-shaped listeners ({@code virtualOutbound}, {@code virtualInbound}
 * with the per-port filter chains of Istio's {@code filterchain_options.go}, the blackhole and the catch-all chains),
 * the clusters they name, and the SDS secrets {@code default} (workload certificate and key) and {@code ROOTCA}. The
 * resources are written as the JSON that {@code /config_dump} shows and parsed with protobuf's {@link JsonFormat}.
 */
public final class SidecarConfig {
  static final String ALL_ISTIO_MTLS_ALPNS = "\"istio\",\"istio-peer-exchange\",\"istio-http/1.0\",\"istio-http/1.1\",\"istio-h2\"";
  static final String MTLS_HTTP_ALPNS = "\"istio-http/1.0\",\"istio-http/1.1\",\"istio-h2\"";
  static final String PLAINTEXT_HTTP_ALPNS = "\"http/1.1\",\"h2c\"";
  static final String MTLS_TCP_MXC_ALPNS = "\"istio-peer-exchange\",\"istio\"";

  private static final JsonFormat.TypeRegistry TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(HttpConnectionManager.getDescriptor())
          .add(TcpProxy.getDescriptor())
          .add(Router.getDescriptor())
          .add(DownstreamTlsContext.getDescriptor())
          .add(OriginalDst.getDescriptor())
          .add(TlsInspector.getDescriptor())
          .add(HttpInspector.getDescriptor())
          .build();

  private SidecarConfig() {}

  /** The whole Istio-shaped configuration, version {@code version}. */
  public static Snapshot istio(
      String version, int inboundPort, int outboundPort, List<AppPort> ports, TestCa ca, TestCa.Issued cert, boolean withRejectedListener) {
    List<Listener> listeners = new ArrayList<>();
    listeners.add(virtualOutbound(outboundPort));
    listeners.add(virtualInbound(inboundPort, ports));
    if (withRejectedListener) {
      listeners.add(rejectedListener());
    }
    return Snapshot.create(clusters(ports), Collections.emptyList(), listeners, Collections.emptyList(), secrets(ca, cert), version);
  }

  /**
   * A generic Envoy mesh (Consul's shape): one {@code public_listener} that terminates mTLS with a client certificate
   * required, in front of {@code local_app}, and the same SDS secrets.
   */
  public static Snapshot envoyMesh(String version, int publicPort, int appPort, TestCa ca, TestCa.Issued cert) {
    String chain =
        "{\"filters\":[" + tcpProxy("public_listener", "local_app") + "],\"transport_socket\":" + mtlsSocket("\"h2\",\"http/1.1\"") + "}";
    Listener publicListener =
        listener(
            "{\"name\":\"public_listener:127.0.0.1:" + publicPort + "\",\"address\":" + address(publicPort) + ","
                + "\"traffic_direction\":\"INBOUND\",\"filter_chains\":[" + chain + "]}");
    Cluster app = staticCluster("local_app", appPort);
    return Snapshot.create(
        Collections.singletonList(app), Collections.emptyList(), Collections.singletonList(publicListener), Collections.emptyList(), secrets(ca, cert), version);
  }

  static List<Cluster> clusters(List<AppPort> ports) {
    List<Cluster> out = new ArrayList<>();
    out.add(cluster("{\"name\":\"BlackHoleCluster\",\"type\":\"STATIC\",\"connect_timeout\":\"10s\"}"));
    out.add(cluster("{\"name\":\"PassthroughCluster\",\"type\":\"ORIGINAL_DST\",\"connect_timeout\":\"10s\",\"lb_policy\":\"CLUSTER_PROVIDED\"}"));
    out.add(cluster("{\"name\":\"InboundPassthroughCluster\",\"type\":\"ORIGINAL_DST\",\"connect_timeout\":\"10s\",\"lb_policy\":\"CLUSTER_PROVIDED\"}"));
    for (AppPort p : ports) {
      out.add(staticCluster("inbound|" + p.port() + "||", p.port()));
    }
    return out;
  }

  static Cluster staticCluster(String name, int port) {
    return cluster(
        "{\"name\":\"" + name + "\",\"type\":\"STATIC\",\"connect_timeout\":\"10s\",\"load_assignment\":{\"cluster_name\":\"" + name + "\","
            + "\"endpoints\":[{\"lb_endpoints\":[{\"endpoint\":{\"address\":" + address(port) + "}}]}]}}");
  }

  static List<Secret> secrets(TestCa ca, TestCa.Issued cert) {
    Secret workload =
        Secret.newBuilder()
            .setName("default")
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setCertificateChain(inline(cert.certificatePem()))
                    .setPrivateKey(inline(cert.privateKeyPem())))
            .build();
    Secret root =
        Secret.newBuilder()
            .setName("ROOTCA")
            .setValidationContext(CertificateValidationContext.newBuilder().setTrustedCa(inline(ca.rootPem())))
            .build();
    List<Secret> out = new ArrayList<>();
    out.add(workload);
    out.add(root);
    return out;
  }

  private static DataSource inline(String pem) {
    return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(pem, StandardCharsets.UTF_8)).build();
  }

  static Listener virtualOutbound(int port) {
    return listener(
        "{\"name\":\"virtualOutbound\",\"address\":" + address(port) + ",\"traffic_direction\":\"OUTBOUND\","
            + "\"listener_filters\":[{\"name\":\"envoy.filters.listener.original_dst\",\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst\"}}],"
            + "\"filter_chains\":["
            + "{\"name\":\"virtualOutbound-blackhole\",\"filter_chain_match\":{\"destination_port\":" + port + "},\"filters\":[" + tcpProxy("BlackHoleCluster", "BlackHoleCluster") + "]},"
            + "{\"name\":\"virtualOutbound-catchall-tcp\",\"filters\":[" + tcpProxy("PassthroughCluster", "PassthroughCluster") + "]}"
            + "],\"use_original_dst\":true}");
  }

  /** {@code virtualInbound}: the blackhole, one set of chains per app port, the PERMISSIVE catch-all chains. */
  static Listener virtualInbound(int port, List<AppPort> ports) {
    StringJoiner chains = new StringJoiner(",");
    chains.add(
        "{\"name\":\"virtualInbound-blackhole\",\"filter_chain_match\":{\"destination_port\":" + port + "},\"filters\":["
            + tcpProxy("BlackHoleCluster", "BlackHoleCluster") + "]}");
    for (AppPort p : ports) {
      for (String chain : chains(p)) {
        chains.add(chain);
      }
    }
    // The catch-all (no destination_port): protocol auto, the workload's PERMISSIVE mode (filterchain_options.go).
    String hcm = hcm("InboundPassthroughCluster", "inbound_0.0.0.0_catchall", "InboundPassthroughCluster");
    String tcp = tcpProxy("InboundPassthroughCluster", "InboundPassthroughCluster");
    chains.add(chain("virtualInbound-catchall-http", "\"transport_protocol\":\"tls\",\"application_protocols\":[" + MTLS_HTTP_ALPNS + "]", hcm, true));
    chains.add(chain("virtualInbound-catchall-http", "\"transport_protocol\":\"raw_buffer\",\"application_protocols\":[" + PLAINTEXT_HTTP_ALPNS + "]", hcm, false));
    chains.add(chain("virtualInbound", "\"transport_protocol\":\"tls\",\"application_protocols\":[" + MTLS_TCP_MXC_ALPNS + "]", tcp, true));
    chains.add(chain("virtualInbound", "\"transport_protocol\":\"raw_buffer\"", tcp, false));
    chains.add(chain("virtualInbound", "\"transport_protocol\":\"tls\"", tcp, false));
    return listener(
        "{\"name\":\"virtualInbound\",\"address\":" + address(port) + ",\"traffic_direction\":\"INBOUND\","
            + "\"listener_filters\":["
            + "{\"name\":\"envoy.filters.listener.original_dst\",\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst\"}},"
            + "{\"name\":\"envoy.filters.listener.tls_inspector\",\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector\"}},"
            + "{\"name\":\"envoy.filters.listener.http_inspector\",\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.listener.http_inspector.v3.HttpInspector\"}}"
            + "],\"listener_filters_timeout\":\"0s\",\"continue_on_listener_filters_timeout\":true,"
            + "\"filter_chains\":[" + chains + "]}");
  }

  /** The chains Istio builds for one (port protocol, mode) pair: the table of {@code filterchain_options.go}. */
  static List<String> chains(AppPort p) {
    String name = "0.0.0.0_" + p.port();
    String cluster = "inbound|" + p.port() + "||";
    String dest = "\"destination_port\":" + p.port() + ",";
    List<String> out = new ArrayList<>();
    if (p.protocol() == AppPort.Protocol.HTTP) {
      String hcm = hcm(cluster, "inbound_" + name, "inbound|http|" + p.port());
      if (p.mode() == AppPort.Mode.STRICT) {
        out.add(chain(name, dest + "\"transport_protocol\":\"tls\"", hcm, true));
      } else {
        out.add(chain(name, dest + "\"transport_protocol\":\"tls\",\"application_protocols\":[" + ALL_ISTIO_MTLS_ALPNS + "]", hcm, true));
        out.add(chain(name, dest + "\"transport_protocol\":\"raw_buffer\"", hcm, false));
      }
    } else {
      String tcp = tcpProxy(cluster, cluster);
      if (p.mode() == AppPort.Mode.STRICT) {
        out.add(chain(name, dest + "\"transport_protocol\":\"tls\"", tcp, true));
      } else {
        out.add(chain(name, dest + "\"transport_protocol\":\"tls\",\"application_protocols\":[" + ALL_ISTIO_MTLS_ALPNS + "]", tcp, true));
        out.add(chain(name, dest + "\"transport_protocol\":\"tls\"", tcp, false));
        out.add(chain(name, dest + "\"transport_protocol\":\"raw_buffer\"", tcp, false));
      }
    }
    return out;
  }

  /**
   * An outbound listener that Envoy must reject: two filter chains with the same match ("multiple filter chains with
   * the same matching rules are defined"), as a control plane bug would push.
   */
  static Listener rejectedListener() {
    String tcp = tcpProxy("PassthroughCluster", "PassthroughCluster");
    return listener(
        "{\"name\":\"0.0.0.0_9443\",\"address\":" + address(Ports.free()) + ",\"traffic_direction\":\"OUTBOUND\","
            + "\"filter_chains\":[{\"filters\":[" + tcp + "]},{\"filters\":[" + tcp + "]}]}");
  }

  private static String chain(String name, String match, String filter, boolean mtls) {
    return "{\"name\":\"" + name + "\",\"filter_chain_match\":{" + match + "},\"filters\":[" + filter + "]"
        + (mtls ? ",\"transport_socket\":" + mtlsSocket(name.contains("catchall") || filter.contains("HttpConnectionManager") ? "\"h2\",\"http/1.1\"" : "\"istio-peer-exchange\",\"h2\",\"http/1.1\"") : "")
        + "}";
  }

  /** Istio's inbound mTLS: DownstreamTlsContext, client certificate required, SDS secrets default and ROOTCA. */
  static String mtlsSocket(String alpns) {
    String sds = "\"sds_config\":{\"ads\":{},\"resource_api_version\":\"V3\"}";
    return "{\"name\":\"envoy.transport_sockets.tls\",\"typed_config\":{"
        + "\"@type\":\"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext\","
        + "\"common_tls_context\":{\"alpn_protocols\":[" + alpns + "],"
        + "\"tls_certificate_sds_secret_configs\":[{\"name\":\"default\"," + sds + "}],"
        + "\"combined_validation_context\":{\"default_validation_context\":{},"
        + "\"validation_context_sds_secret_config\":{\"name\":\"ROOTCA\"," + sds + "}}},"
        + "\"require_client_certificate\":true}}";
  }

  static String hcm(String cluster, String statPrefix, String virtualHost) {
    return "{\"name\":\"envoy.filters.network.http_connection_manager\",\"typed_config\":{"
        + "\"@type\":\"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\","
        + "\"stat_prefix\":\"" + statPrefix + "\","
        + "\"route_config\":{\"name\":\"" + cluster + "\",\"virtual_hosts\":[{\"name\":\"" + virtualHost + "\",\"domains\":[\"*\"],"
        + "\"routes\":[{\"name\":\"default\",\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"" + cluster + "\",\"timeout\":\"0s\"}}]}]},"
        + "\"http_filters\":[{\"name\":\"envoy.filters.http.router\",\"typed_config\":{\"@type\":\"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}}]}}";
  }

  static String tcpProxy(String statPrefix, String cluster) {
    return "{\"name\":\"envoy.filters.network.tcp_proxy\",\"typed_config\":{"
        + "\"@type\":\"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\","
        + "\"stat_prefix\":\"" + statPrefix + "\",\"cluster\":\"" + cluster + "\"}}";
  }

  static String address(int port) {
    return "{\"socket_address\":{\"address\":\"127.0.0.1\",\"port_value\":" + port + "}}";
  }

  private static Listener listener(String json) {
    return parse(json, Listener.newBuilder());
  }

  private static Cluster cluster(String json) {
    return parse(json, Cluster.newBuilder());
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T parse(String json, Message.Builder builder) {
    try {
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(json, builder);
      return (T) builder.build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("bad xDS resource: " + e.getMessage() + "\n" + json, e);
    }
  }
}
