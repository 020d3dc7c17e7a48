package io.meshprobe.internal;

import com.fasterxml.jackson.core.ErrorReportConfiguration;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.io.ContentReference;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.json.UTF8StreamJsonParser;
import com.fasterxml.jackson.core.sym.ByteQuadsCanonicalizer;
import com.fasterxml.jackson.core.util.BufferRecycler;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The Envoy node of a {@code /server_info} answer or of a config dump's bootstrap: its id, Istio's node
 * metadata, and the server's version and state. Read with Jackson's streaming parser, stopping as soon as
 * the node's id and metadata have been read, so a large config dump is never held in memory, and the ~120 kB of
 * {@code node.extensions} that Envoy 1.40 writes after them into {@code /server_info} are never parsed.
 */
public final class NodeInfo {
  /** What a node read accepts: deeper nesting or longer strings end the read with an error. */
  static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder().maxNestingDepth(200).maxStringLength(16 << 20).build();

  /** The field-name table that every read's parser takes a child of, as a {@code JsonFactory} keeps one. */
  private static final ByteQuadsCanonicalizer NAMES = ByteQuadsCanonicalizer.createRoot();

  /**
   * Jackson's UTF-8 streaming parser over {@code in}, with {@link #LIMITS} and the parser and field-name defaults a
   * {@code JsonFactory} would give it, built from Jackson's public parser and context constructors rather than
   * through a {@code JsonFactory}. The node read is on the agent's start-up path (Istio's node metadata decides
   * whether the quit may be sent), and linking {@code JsonFactory} has a cold JVM load and parse every parser and
   * generator class that its methods name: 73 Jackson classes in the agent's hello-world instead of 37, and ~21 ms
   * more CPU on JDK 17 and 25 (measured 2026-12-02; agent README, "Start-up: where the time goes"). UTF-8 only, which
   * is what Envoy and pilot-agent send (and what RFC 8259 requires between systems); closing the parser closes
   * {@code in}.
   */
  static JsonParser parser(InputStream in) {
    BufferRecycler buffers = new BufferRecycler();
    IOContext context =
        new IOContext(
            LIMITS, StreamWriteConstraints.defaults(), ErrorReportConfiguration.defaults(), buffers, ContentReference.unknown(), false);
    context.setEncoding(JsonEncoding.UTF8);
    return new UTF8StreamJsonParser(
        context,
        JsonParser.Feature.collectDefaults(),
        in,
        null,
        NAMES.makeChild(JsonFactory.Feature.collectDefaults()),
        context.allocReadIOBuffer(),
        0,
        0,
        1,
        true);
  }

  private @Nullable String id;
  private @Nullable String serverVersion;
  private @Nullable String state;
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final Map<String, String> annotations = new LinkedHashMap<>();

  /** The node id, e.g. {@code sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local}. */
  public @Nullable String id() {
    return id;
  }

  /** Envoy's version from {@code /server_info}, e.g. {@code 1.9.0-dev} out of {@code sha/1.9.0-dev/Modified/DEBUG}. */
  public @Nullable String serverVersion() {
    return serverVersion;
  }

  /** {@code /server_info}'s state: LIVE, DRAINING, PRE_INITIALIZING or INITIALIZING. */
  public @Nullable String state() {
    return state;
  }

  /** Scalar node metadata entries (ISTIO_VERSION, INTERCEPTION_MODE, and the pre-1.5 top-level annotations). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** A pod annotation as Istio put it into the node metadata: modern {@code ANNOTATIONS} map, or a top-level key (≤1.4). */
  public @Nullable String annotation(String name) {
    String value = annotations.get(name);
    return value != null ? value : metadata.get(name);
  }

  /** Whether the node is an Istio sidecar: id prefix {@code sidecar~}, or ISTIO_VERSION metadata without a gateway id. */
  public boolean isIstioSidecar() {
    if (id != null && id.startsWith("sidecar~")) {
      return true;
    }
    return id == null && metadata.containsKey("ISTIO_VERSION");
  }

  public @Nullable String istioVersion() {
    return metadata.get("ISTIO_VERSION");
  }

  /**
   * Whether Istio injected the proxy as a native sidecar: its {@code sidecar.istio.io/status} annotation lists
   * {@code istio-proxy} under {@code initContainers}.
   */
  public boolean istioNativeSidecar() {
    return isNativeSidecarStatus(annotation("sidecar.istio.io/status"));
  }

  /**
   * Loads and links what a read needs (Jackson's parser and its context, ~35 classes, most of a read's cost in a cold
   * JVM) by reading a small constant node and annotation, so that a read that follows is quick. For a thread of the
   * agent's that is idle while premain builds the probe, when the configuration names Istio (whose node the probe then
   * always reads). Never throws.
   */
  public static void warm() {
    try {
      NodeInfo n =
          read(new ByteArrayInputStream(
              "{\"node\":{\"id\":\"sidecar~\",\"metadata\":{\"ANNOTATIONS\":{\"sidecar.istio.io/status\":\"{}\"}}}}"
                  .getBytes(StandardCharsets.UTF_8)));
      n.istioNativeSidecar();
    } catch (IOException | RuntimeException e) {
      // nothing warmed: the read pays for it, as without this call
    }
  }

  /** Reads the first {@code node} object (and top-level version/state) from a JSON stream. */
  public static NodeInfo read(InputStream in) throws IOException {
    NodeInfo info = new NodeInfo();
    try (JsonParser p = parser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("expected a JSON object");
      }
      info.scan(p, 0);
    }
    return info;
  }

  /** Walks an object; returns true once the node has been read so callers can stop. */
  private boolean scan(JsonParser p, int depth) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_OBJECT) {
      if (t == null) {
        throw new IOException("truncated JSON");
      }
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if ("node".equals(field) && v == JsonToken.START_OBJECT) {
        readNode(p);
        return true;
      }
      if (depth == 0 && "version".equals(field) && v == JsonToken.VALUE_STRING) {
        serverVersion = envoyVersion(p.getText());
      } else if (depth == 0 && "state".equals(field) && v == JsonToken.VALUE_STRING) {
        state = p.getText();
      } else if (v == JsonToken.START_OBJECT && depth < 3) {
        if (scan(p, depth + 1)) {
          return true;
        }
      } else if (v == JsonToken.START_ARRAY && depth < 3) {
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          if (e == null) {
            throw new IOException("truncated JSON");
          }
          if (e == JsonToken.START_OBJECT) {
            if (scan(p, depth + 1)) {
              return true;
            }
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return false;
  }

  /** Reads the node's fields up to its id and metadata, whichever comes last; the rest of the node is left unread. */
  private void readNode(JsonParser p) throws IOException {
    boolean idSeen = false;
    boolean metadataSeen = false;
    while (!(idSeen && metadataSeen) && p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if ("id".equals(field) && v == JsonToken.VALUE_STRING) {
        id = p.getText();
        idSeen = true;
      } else if ("metadata".equals(field) && v == JsonToken.START_OBJECT) {
        readMetadata(p);
        metadataSeen = true;
      } else {
        p.skipChildren();
      }
    }
  }

  private void readMetadata(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if ("ANNOTATIONS".equals(field) && v == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          if (p.nextToken() == JsonToken.VALUE_STRING) {
            annotations.put(name, p.getText());
          } else {
            p.skipChildren();
          }
        }
      } else if (v == JsonToken.VALUE_STRING) {
        metadata.put(field, p.getText());
      } else {
        p.skipChildren();
      }
    }
  }

  static @Nullable String envoyVersion(String version) {
    String[] parts = version.split("/");
    return parts.length >= 2 ? parts[1] : version.isEmpty() ? null : version;
  }

  /** Parses the {@code sidecar.istio.io/status} JSON: is {@code istio-proxy} among its {@code initContainers}? */
  public static boolean isNativeSidecarStatus(@Nullable String status) {
    if (status == null || status.isEmpty()) {
      return false;
    }
    try (JsonParser p = parser(new ByteArrayInputStream(status.getBytes(StandardCharsets.UTF_8)))) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if ("initContainers".equals(field) && v == JsonToken.START_ARRAY) {
          JsonToken e;
          while ((e = p.nextToken()) != JsonToken.END_ARRAY && e != null) {
            if (e == JsonToken.VALUE_STRING && "istio-proxy".equals(p.getText())) {
              return true;
            }
            p.skipChildren();
          }
          return false;
        }
        p.skipChildren();
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }
}
