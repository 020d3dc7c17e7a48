package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the JSON payloads of Envoy, Istio and Linkerd with Jackson's streaming parser, recognising each by its
 * content: a config dump (v3 or v2alpha envelope, whole or {@code ?mask=} / {@code ?resource=} parts),
 * {@code /certs}, {@code /server_info}, a bare bootstrap, Linkerd's {@code /env.json} and ztunnel dumps. Only what
 * the derivation needs is kept (see {@link Evidence}); everything else is skipped token by token, so a dump of
 * any size is read in bounded memory.
 */
public final class JsonPayloads {
  /** What a JSON payload turned out to be. */
  public enum Kind {
    CONFIG_DUMP("config_dump"),
    CERTS("certs"),
    SERVER_INFO("server_info"),
    LINKERD_ENV("env.json"),
    ZTUNNEL("ztunnel dump"),
    UNKNOWN("unrecognised JSON");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private JsonPayloads() {}

  /** Reads one JSON document into {@code evidence} and says what it was. */
  public static Kind read(InputStream in, Evidence evidence) throws IOException {
    try (JsonParser p = Json.FACTORY.createParser(in)) {
      JsonToken first = p.nextToken();
      if (first == JsonToken.START_ARRAY) {
        return readArray(p, evidence);
      }
      if (first != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      boolean configs = false;
      boolean envoyCerts = false;
      boolean ztunnel = false;
      boolean serverInfo = false;
      boolean bootstrap = false;
      Map<String, String> env = null;
      while (Json.next(p) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = Json.next(p);
        switch (field) {
          case "configs":
            configs = true;
            Json.eachObject(p, v, q -> readConfig(q, evidence));
            break;
          case "certificates":
            if (v == JsonToken.START_ARRAY) {
              int found = readCertificates(p, evidence);
              envoyCerts |= found >= 0;
              ztunnel |= found < 0;
            } else {
              p.skipChildren();
            }
            break;
          case "workloads":
          case "services":
          case "policies":
          case "workloadState":
          case "stagedServices":
          case "staticConfig":
            ztunnel = true;
            p.skipChildren();
            break;
          case "node":
            serverInfo = true;
            if (v == JsonToken.START_OBJECT) {
              readNode(p, evidence);
            } else {
              p.skipChildren();
            }
            break;
          case "version":
            if (v == JsonToken.VALUE_STRING && p.getText().indexOf('/') > 0) {
              serverInfo = true;
              evidence.envoyVersion = envoyVersion(p.getText());
            } else {
              p.skipChildren();
            }
            break;
          case "state":
          case "command_line_options":
          case "uptime_current_epoch":
          case "hot_restart_version":
            serverInfo = true;
            p.skipChildren();
            break;
          case "bootstrap":
            bootstrap = true;
            readBootstrap(p, evidence);
            break;
          default:
            if (field.startsWith("LINKERD2_PROXY_") && (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NULL)) {
              if (env == null) {
                env = new LinkedHashMap<>();
              }
              if (v == JsonToken.VALUE_STRING) {
                env.put(field, p.getText());
              }
            } else {
              p.skipChildren();
            }
        }
      }
      if (env != null) {
        Map<String, String> all = evidence.linkerdEnv != null ? evidence.linkerdEnv : new LinkedHashMap<String, String>();
        all.putAll(env);
        evidence.linkerdEnv = all;
        return Kind.LINKERD_ENV;
      }
      if (ztunnel) {
        evidence.ztunnel = true;
        return Kind.ZTUNNEL;
      }
      if (configs || bootstrap) {
        evidence.envoyPayload = true;
        return Kind.CONFIG_DUMP;
      }
      if (serverInfo) {
        evidence.envoyPayload = true;
        return Kind.SERVER_INFO;
      }
      if (envoyCerts) {
        evidence.envoyPayload = true;
        return Kind.CERTS;
      }
      return Kind.UNKNOWN;
    }
  }

  /** ztunnel's connection dump is an array of {@code {info, state, connections}} objects. */
  private static Kind readArray(JsonParser p, Evidence evidence) throws IOException {
    boolean ztunnel = false;
    while (Json.next(p) != JsonToken.END_ARRAY) {
      if (p.currentToken() == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          Json.next(p);
          ztunnel |= "connections".equals(f);
          p.skipChildren();
        }
      } else {
        p.skipChildren();
      }
    }
    if (ztunnel) {
      evidence.ztunnel = true;
      return Kind.ZTUNNEL;
    }
    return Kind.UNKNOWN;
  }

  /** One entry of {@code configs[]}, recognised by its fields whatever its {@code @type} generation. */
  private static void readConfig(JsonParser p, Evidence e) throws IOException {
    String name = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("name".equals(field) && v == JsonToken.VALUE_STRING) {
        name = p.getText();
        continue;
      }
      if (v != JsonToken.START_OBJECT && v != JsonToken.START_ARRAY) {
        continue;
      }
      switch (field) {
        case "error_state": // ?resource=dynamic_listeners: a DynamicListener is its own configs[] entry
          readErrorState(p, name, e);
          break;
        case "bootstrap":
          readBootstrap(p, e);
          break;
        case "dynamic_listeners": // v3: [{name, active_state{listener}, warming_state, …}]
        case "dynamic_active_listeners": // v2alpha: [{version_info, listener, last_updated}]
        case "static_listeners": // [{listener, last_updated}]
          e.listenersSeen = true;
          Json.eachObjectInArray(p, q -> readListenerHolder(q, e));
          break;
        case "active_state": // ?resource=dynamic_listeners: each DynamicListener is its own configs[] entry
          e.listenersSeen = true;
          readListenerHolderBody(p, e);
          break;
        case "dynamic_active_secrets":
          Json.eachObjectInArray(p, q -> readSecret(q, e));
          break;
        default:
          p.skipChildren();
      }
    }
  }

  /** An object holding a {@code listener} (directly or under {@code active_state}); other states are skipped. */
  private static void readListenerHolder(JsonParser p, Evidence e) throws IOException {
    readListenerHolderBody(p, e);
  }

  private static void readListenerHolderBody(JsonParser p, Evidence e) throws IOException {
    String name = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("name".equals(field) && v == JsonToken.VALUE_STRING) {
        name = p.getText();
      } else if ("error_state".equals(field) && v == JsonToken.START_OBJECT) {
        readErrorState(p, name, e);
      } else if ("listener".equals(field) && v == JsonToken.START_OBJECT) {
        Listener l = readListener(p);
        keep(l, e);
      } else if ("active_state".equals(field) && v == JsonToken.START_OBJECT) {
        readListenerHolderBody(p, e);
      } else {
        p.skipChildren();
      }
    }
  }

  /**
   * A DynamicListener's {@code error_state} (envoy.admin.v3.UpdateFailureState: {@code failed_configuration},
   * {@code last_update_attempt}, {@code details}): the listener Envoy rejected and why. The listener name is the
   * holder's {@code name} or, if that comes later or not at all, the failed configuration's.
   */
  private static void readErrorState(JsonParser p, @Nullable String holderName, Evidence e) throws IOException {
    String details = null;
    String failedName = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("details".equals(field) && v == JsonToken.VALUE_STRING) {
        details = p.getText();
      } else if ("failed_configuration".equals(field) && v == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken fv = Json.next(p);
          if ("name".equals(f) && fv == JsonToken.VALUE_STRING) {
            failedName = p.getText();
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    String name = holderName != null ? holderName : failedName != null ? failedName : "?";
    e.rejected.add("listener " + name + ": " + (details == null || details.isEmpty() ? "no reason given" : oneLine(details)));
  }

  private static String oneLine(String s) {
    String t = s.replaceAll("\\s+", " ").trim();
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }

  private static void keep(Listener l, Evidence e) {
    if (l.isVirtualInbound()) {
      if (e.virtualInbound == null) {
        e.virtualInbound = l;
      }
    } else if (l.isPerIpInbound()) {
      e.perIpInbound.add(l);
    }
  }

  static Listener readListener(JsonParser p) throws IOException {
    Listener l = new Listener();
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      switch (field) {
        case "name":
          l.name = Json.text(p);
          break;
        case "traffic_direction":
          l.trafficDirection = Json.text(p);
          break;
        case "address":
          if (v == JsonToken.START_OBJECT) {
            l.port = readPort(p);
          } else {
            p.skipChildren();
          }
          break;
        case "filter_chains":
          Json.eachObject(p, v, q -> l.chains.add(readChain(q)));
          break;
        default:
          p.skipChildren();
      }
    }
    return l;
  }

  /** {@code address.socket_address.port_value}. */
  private static @Nullable Integer readPort(JsonParser p) throws IOException {
    Integer port = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("socket_address".equals(field) && v == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          Json.next(p);
          if ("port_value".equals(f)) {
            port = Json.integer(p);
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return port;
  }

  private static Chain readChain(JsonParser p) throws IOException {
    Chain c = new Chain();
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      switch (field) {
        case "name":
          c.name = Json.text(p);
          break;
        case "filter_chain_match":
          if (v == JsonToken.START_OBJECT) {
            readMatch(p, c);
          } else {
            p.skipChildren();
          }
          break;
        case "tls_context": // Envoy v2: DownstreamTlsContext inline
          if (v == JsonToken.START_OBJECT) {
            c.tls = true;
            c.mtls |= scanTls(p)[0];
          } else {
            p.skipChildren();
          }
          break;
        case "transport_socket":
          if (v == JsonToken.START_OBJECT) {
            boolean[] seen = scanTls(p);
            c.tls |= seen[1];
            c.mtls |= seen[1] && seen[0];
          } else {
            p.skipChildren();
          }
          break;
        case "filters":
          Json.eachObject(p, v, q -> readFilter(q, c));
          break;
        default:
          p.skipChildren();
      }
    }
    return c;
  }

  private static void readMatch(JsonParser p, Chain c) throws IOException {
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("destination_port".equals(field)) {
        c.destinationPort = Json.integer(p);
      } else if ("transport_protocol".equals(field)) {
        c.transportProtocol = Json.text(p);
      } else if ("application_protocols".equals(field) && v == JsonToken.START_ARRAY) {
        while (Json.next(p) != JsonToken.END_ARRAY) {
          c.hasApplicationProtocols = true;
          p.skipChildren();
        }
      } else {
        p.skipChildren();
      }
    }
  }

  /**
   * Walks a TLS context or transport socket. Returns {requires a client certificate, is a TLS socket}: a socket named
   * {@code …tls} or typed {@code DownstreamTlsContext}; {@code raw_buffer} is not.
   */
  private static boolean[] scanTls(JsonParser p) throws IOException {
    boolean[] result = new boolean[2];
    int depth = 1;
    while (depth > 0) {
      JsonToken t = Json.next(p);
      if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
        depth++;
      } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
        depth--;
      } else if (t == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        if ("require_client_certificate".equals(f)) {
          Json.next(p);
          result[0] |= Json.bool(p);
        } else if (depth == 1 && "name".equals(f)) {
          Json.next(p);
          String name = Json.text(p);
          result[1] |= name != null && name.contains("tls") && !name.contains("raw_buffer");
        } else if ("@type".equals(f)) {
          Json.next(p);
          String type = Json.text(p);
          result[1] |= type != null && type.contains("DownstreamTlsContext");
        } else if ("common_tls_context".equals(f)) {
          result[1] = true;
        }
      }
    }
    return result;
  }

  /** A network filter: HTTP connection manager or TCP proxy, and whether it targets an {@code inbound|…} cluster. */
  private static void readFilter(JsonParser p, Chain c) throws IOException {
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("name".equals(field) && v == JsonToken.VALUE_STRING) {
        classifyFilter(p.getText(), c);
      } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
        // typed_config (Any), or the Struct config of old Envoys: look for the @type and inbound|… targets.
        int depth = 1;
        while (depth > 0) {
          JsonToken t = Json.next(p);
          if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            depth++;
          } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
            depth--;
          } else if (t == JsonToken.VALUE_STRING) {
            if (Json.startsWith(p, "inbound|")) {
              c.inboundTarget = true;
            } else if (depth == 1 && "@type".equals(p.currentName())) {
              classifyFilter(p.getText(), c);
            }
          }
        }
      }
    }
  }

  private static void classifyFilter(String nameOrType, Chain c) {
    if (nameOrType.contains("http_connection_manager") || nameOrType.endsWith("HttpConnectionManager")) {
      c.http = true;
    } else if (nameOrType.contains("tcp_proxy") || nameOrType.endsWith("TcpProxy")) {
      c.tcp = true;
    }
  }

  private static void readBootstrap(JsonParser p, Evidence e) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("node".equals(field) && v == JsonToken.START_OBJECT) {
        readNode(p, e);
      } else {
        p.skipChildren();
      }
    }
  }

  /** An Envoy node: id (role), Istio metadata and annotations, build version. */
  private static void readNode(JsonParser p, Evidence e) throws IOException {
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("id".equals(field) && v == JsonToken.VALUE_STRING) {
        e.nodeId = p.getText();
        e.role = role(e.nodeId);
      } else if ("metadata".equals(field) && v == JsonToken.START_OBJECT) {
        readMetadata(p, e);
      } else if (("user_agent_build_version".equals(field) || "userAgentBuildVersion".equals(field)) && v == JsonToken.START_OBJECT) {
        String version = readBuildVersion(p);
        if (e.envoyVersion == null) {
          e.envoyVersion = version;
        }
      } else {
        p.skipChildren();
      }
    }
  }

  static Evidence.EnvoyRole role(String nodeId) {
    if (nodeId.startsWith("sidecar~")) {
      return Evidence.EnvoyRole.SIDECAR;
    }
    if (nodeId.startsWith("router~")) {
      return Evidence.EnvoyRole.GATEWAY;
    }
    if (nodeId.startsWith("waypoint~")) {
      return Evidence.EnvoyRole.WAYPOINT;
    }
    return Evidence.EnvoyRole.OTHER;
  }

  private static void readMetadata(JsonParser p, Evidence e) throws IOException {
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("ANNOTATIONS".equals(field) && v == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken a = Json.next(p);
          if (a == JsonToken.VALUE_STRING && name.contains("istio.io/")) {
            e.annotations.put(name, p.getText());
          } else {
            p.skipChildren();
          }
        }
      } else if (v == JsonToken.VALUE_STRING) {
        if ("ISTIO_VERSION".equals(field)) {
          e.istioVersion = p.getText();
        } else if ("INTERCEPTION_MODE".equals(field)) {
          e.interceptionMode = p.getText();
        } else if (field.contains("istio.io/")) {
          // Istio ≤1.4 put the pod annotations at the top level of the metadata.
          if (!e.annotations.containsKey(field)) {
            e.annotations.put(field, p.getText());
          }
        }
      } else {
        p.skipChildren();
      }
    }
  }

  /** {@code {version: {major_number, minor_number, patch}}} (snake or camel case) as {@code 1.18.3}. */
  private static @Nullable String readBuildVersion(JsonParser p) throws IOException {
    String result = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("version".equals(field) && v == JsonToken.START_OBJECT) {
        Integer major = null;
        Integer minor = null;
        Integer patch = null;
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          Json.next(p);
          if ("major_number".equals(f) || "majorNumber".equals(f)) {
            major = Json.integer(p);
          } else if ("minor_number".equals(f) || "minorNumber".equals(f)) {
            minor = Json.integer(p);
          } else if ("patch".equals(f)) {
            patch = Json.integer(p);
          } else {
            p.skipChildren();
          }
        }
        if (major != null && minor != null) {
          result = major + "." + minor + "." + (patch == null ? 0 : patch);
        }
      } else {
        p.skipChildren();
      }
    }
    return result;
  }

  static @Nullable String envoyVersion(String version) {
    String[] parts = version.split("/");
    return parts.length >= 2 ? parts[1] : version.isEmpty() ? null : version;
  }

  /** A {@code dynamic_active_secrets[]} entry: the workload chain of a {@code tls_certificate}, parsed as X.509. */
  private static void readSecret(JsonParser p, Evidence e) throws IOException {
    String name = null;
    byte[] chain = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("name".equals(field) && v == JsonToken.VALUE_STRING) {
        name = p.getText();
      } else if ("secret".equals(field) && v == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken sv = Json.next(p);
          if ("name".equals(f) && sv == JsonToken.VALUE_STRING) {
            name = name != null ? name : p.getText();
          } else if ("tls_certificate".equals(f) && sv == JsonToken.START_OBJECT) {
            chain = readCertificateChain(p);
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    if (chain != null) {
      Evidence.CertInfo cert = Pem.leaf(chain, "secrets dump (" + (name == null ? "?" : name) + ")");
      if (cert != null) {
        e.cert(cert);
      } else {
        e.note("secret " + name + ": the certificate chain could not be parsed");
      }
    }
  }

  /** {@code tls_certificate.certificate_chain.inline_bytes} (base64 of PEM) or {@code inline_string} (PEM). */
  private static byte @Nullable [] readCertificateChain(JsonParser p) throws IOException {
    byte[] chain = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("certificate_chain".equals(field) && v == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken cv = Json.next(p);
          if ("inline_bytes".equals(f) && cv == JsonToken.VALUE_STRING) {
            try {
              chain = Base64.getMimeDecoder().decode(p.getText());
            } catch (IllegalArgumentException ex) {
              chain = null;
            }
          } else if ("inline_string".equals(f) && cv == JsonToken.VALUE_STRING) {
            chain = p.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8);
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return chain;
  }

  /**
   * Envoy's {@code /certs} {@code certificates[]}: takes the {@code cert_chain} entries with a SPIFFE URI SAN (else
   * any) and their {@code valid_from} / {@code expiration_time}; {@code days_until_expiration} is ignored, it rounds
   * down. Returns the number of Envoy entries, or -1 when the array is ztunnel's ({@code identity}, {@code certChain}).
   */
  private static int readCertificates(JsonParser p, Evidence e) throws IOException {
    int count = 0;
    boolean ztunnel = false;
    while (Json.next(p) != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      while (Json.next(p) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = Json.next(p);
        if ("cert_chain".equals(field) && v == JsonToken.START_ARRAY) {
          count++;
          Json.eachObjectInArray(p, q -> readCertDetails(q, e));
        } else {
          ztunnel |= "identity".equals(field) || "certChain".equals(field);
          p.skipChildren();
        }
      }
    }
    return ztunnel && count == 0 ? -1 : count;
  }

  private static void readCertDetails(JsonParser p, Evidence e) throws IOException {
    String uri = null;
    Instant from = null;
    Instant to = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("subject_alt_names".equals(field) && v == JsonToken.START_ARRAY) {
        while (Json.next(p) != JsonToken.END_ARRAY) {
          if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            continue;
          }
          while (Json.next(p) == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            Json.next(p);
            String value = Json.text(p);
            if ("uri".equals(f) && value != null && (uri == null || value.startsWith("spiffe://"))) {
              uri = value;
            }
          }
        }
      } else if ("valid_from".equals(field)) {
        from = instant(Json.text(p));
      } else if ("expiration_time".equals(field)) {
        to = instant(Json.text(p));
      } else {
        p.skipChildren();
      }
    }
    if (to != null || uri != null) {
      e.cert(new Evidence.CertInfo(uri, from, to, "/certs"));
    }
  }

  static @Nullable Instant instant(@Nullable String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException ex) {
      try {
        return java.time.OffsetDateTime.parse(rfc3339).toInstant();
      } catch (DateTimeParseException ex2) {
        return null;
      }
    }
  }
}
