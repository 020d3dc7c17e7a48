package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the JSON payloads of Envoy, Istio and Linkerd with Jackson's streaming parser, recognising each by its
 * content: a config dump (v3 or v2alpha envelope, whole or {@code ?mask=} / {@code ?resource=} parts),
 * {@code /certs}, {@code /server_info}, a bare bootstrap, Linkerd's {@code /env.json} and ztunnel dumps. Only what
 * the derivation needs is kept (see {@link Evidence}); everything else is skipped token by token, so a dump of
 * any size is read in bounded memory.
 *
 * <p>This class recognises the document and walks its envelope ({@code configs[]}); the content goes to three readers:
 * {@link ListenerReader} (listeners and TLS), {@link BootstrapReader} (the Envoy node) and {@link CertReader}
 * (secrets and {@code /certs}).
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
              int found = CertReader.readCertificates(p, evidence);
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
              BootstrapReader.readNode(p, evidence);
            } else {
              p.skipChildren();
            }
            break;
          case "version":
            if (v == JsonToken.VALUE_STRING && p.getText().indexOf('/') > 0) {
              serverInfo = true;
              evidence.envoyVersion = BootstrapReader.envoyVersion(p.getText());
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
            BootstrapReader.readBootstrap(p, evidence);
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
          ListenerReader.readErrorState(p, name, e);
          break;
        case "bootstrap":
          BootstrapReader.readBootstrap(p, e);
          break;
        case "dynamic_listeners": // v3: [{name, active_state{listener}, warming_state, …}]
        case "dynamic_active_listeners": // v2alpha: [{version_info, listener, last_updated}]
        case "static_listeners": // [{listener, last_updated}]
          e.listenersSeen = true;
          Json.eachObjectInArray(p, q -> ListenerReader.readListenerHolder(q, e));
          break;
        case "active_state": // ?resource=dynamic_listeners: each DynamicListener is its own configs[] entry
          e.listenersSeen = true;
          ListenerReader.readListenerHolder(p, e);
          break;
        case "dynamic_active_secrets":
          Json.eachObjectInArray(p, q -> CertReader.readSecret(q, e));
          break;
        default:
          p.skipChildren();
      }
    }
  }
}
