package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The listeners and TLS part of a config dump ({@code dynamic_listeners}, {@code static_listeners}, a rejected
 * listener's {@code error_state}): keeps the inbound listeners (virtual inbound and per-IP), with their filter chains'
 * ports, TLS transport sockets and HTTP/TCP filters, as {@link Listener}s in {@link Evidence}. One of the three readers
 * behind {@link JsonPayloads}.
 */
final class ListenerReader {
  private ListenerReader() {}

  /**
   * An object holding a {@code listener} (directly or under {@code active_state}) or a rejected one's
   * {@code error_state}; other states are skipped.
   */
  static void readListenerHolder(JsonParser p, Evidence e) throws IOException {
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
        readListenerHolder(p, e);
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
  static void readErrorState(JsonParser p, @Nullable String holderName, Evidence e) throws IOException {
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

}
