package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The Envoy node of a bootstrap ({@code configs[]} entry or bare {@code bootstrap}) or of {@code /server_info}: the
 * node id (role), Istio's node metadata and pod annotations, and the build version. One of the three readers behind
 * {@link JsonPayloads}.
 */
final class BootstrapReader {
  private BootstrapReader() {}

  /** A bootstrap object: only its {@code node} is kept. */
  static void readBootstrap(JsonParser p, Evidence e) throws IOException {
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
  static void readNode(JsonParser p, Evidence e) throws IOException {
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

}
