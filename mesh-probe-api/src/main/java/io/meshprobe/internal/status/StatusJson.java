package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonGenerator;
import io.meshprobe.status.Finding;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.PlaintextPeer;
import io.meshprobe.status.PortStatus;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.StrictReadiness;
import io.meshprobe.status.Tristate;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Writes a {@link MeshStatus} as the stable {@code --json} document of {@code docs/cli.md} (schema
 * {@value #SCHEMA}) with Jackson's streaming generator. A field that could not be derived is {@code null}.
 */
public final class StatusJson {
  public static final String SCHEMA = "meshprobe.status/v1";

  private StatusJson() {}

  /**
   * @param extra command-specific top-level fields written after the status (e.g. {@code ready}, {@code files}); values
   *     may be strings, numbers, booleans, {@code null} or lists of strings
   */
  public static void write(MeshStatus s, Map<String, ?> extra, OutputStream out) throws IOException {
    try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("schema", SCHEMA);
      g.writeObjectFieldStart("proxy");
      g.writeStringField("kind", s.proxy().kind());
      g.writeStringField("mesh", s.proxy().mesh());
      g.writeStringField("version", s.proxy().version());
      writeTristate(g, "nativeSidecar", s.proxy().nativeSidecar());
      g.writeEndObject();
      Identity id = s.identity();
      g.writeStringField("identity", id == null ? null : id.name());
      g.writeObjectFieldStart("certificate");
      g.writeStringField("notBefore", time(id == null ? null : id.notBefore()));
      g.writeStringField("notAfter", time(id == null ? null : id.notAfter()));
      g.writeStringField("source", id == null ? null : id.source());
      g.writeEndObject();
      g.writeObjectFieldStart("mtls");
      g.writeStringField("mode", s.mtls().name());
      writeShare(g, "observedShare", s.observedMtlsShare());
      writeStrict(g, s);
      g.writeEndObject();
      g.writeArrayFieldStart("ports");
      for (PortStatus p : s.ports()) {
        g.writeStartObject();
        g.writeNumberField("port", p.port());
        g.writeStringField("protocol", p.protocol().name());
        g.writeStringField("mtls", p.mtls().name());
        writeTristate(g, "intercepted", p.intercepted());
        writeShare(g, "observedMtlsShare", p.observedMtlsShare());
        g.writeEndObject();
      }
      g.writeEndArray();
      ProxyHealth h = s.health();
      g.writeObjectFieldStart("health");
      writeTristate(g, "controlPlaneConnected", h.controlPlaneConnected());
      g.writeStringField("lastConfigUpdate", time(h.lastConfigUpdate()));
      writeValue(g, "configRejected", h.configRejected());
      g.writeArrayFieldStart("rejectedConfigs");
      for (String r : h.rejectedConfigs()) {
        g.writeString(r);
      }
      g.writeEndArray();
      writeValue(g, "memoryBytes", h.memoryBytes());
      writeValue(g, "cpuSeconds", h.cpuSeconds());
      writeTristate(g, "quitAvailable", h.quitAvailable());
      g.writeEndObject();
      g.writeArrayFieldStart("findings");
      for (Finding f : s.findings()) {
        g.writeStartObject();
        g.writeStringField("code", f.code());
        g.writeStringField("severity", f.severity().name());
        g.writeStringField("message", f.message());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeArrayFieldStart("notes");
      for (String n : s.notes()) {
        g.writeString(n);
      }
      g.writeEndArray();
      g.writeStringField("takenAt", time(s.takenAt()));
      for (Map.Entry<String, ?> e : extra.entrySet()) {
        g.writeFieldName(e.getKey());
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    }
    out.write('\n');
    out.flush();
  }

  /**
   * The additive STRICT-migration fields of {@code mtls}: the configured mode, the plaintext counts, the plaintext
   * clients and the "ready for STRICT" answer ({@code docs/cli.md}).
   */
  private static void writeStrict(JsonGenerator g, MeshStatus s) throws IOException {
    g.writeStringField("configuredMode", s.configuredMtls().name());
    g.writeObjectFieldStart("plaintext");
    writeValue(g, "count", s.plaintextCount());
    writeValue(g, "recent", s.plaintextRecent());
    g.writeStringField("since", time(s.previousRead()));
    g.writeEndObject();
    g.writeArrayFieldStart("plaintextPeers");
    for (PlaintextPeer p : s.plaintextPeers()) {
      g.writeStartObject();
      writeValue(g, "port", p.port());
      g.writeStringField("workload", p.workload());
      g.writeStringField("namespace", p.namespace());
      g.writeStringField("principal", p.principal());
      g.writeNumberField("count", p.count());
      writeValue(g, "recent", p.recent());
      g.writeEndObject();
    }
    g.writeEndArray();
    StrictReadiness r = s.strictReadiness();
    g.writeObjectFieldStart("strictReady");
    writeTristate(g, "ready", r.ready());
    g.writeArrayFieldStart("reasons");
    for (String reason : r.reasons()) {
      g.writeString(reason);
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void writeValue(JsonGenerator g, @Nullable Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Boolean) {
      g.writeBoolean((Boolean) v);
    } else if (v instanceof Long || v instanceof Integer) {
      g.writeNumber(((Number) v).longValue());
    } else if (v instanceof Number) {
      g.writeNumber(((Number) v).doubleValue());
    } else if (v instanceof List) {
      g.writeStartArray();
      for (Object o : (List<?>) v) {
        writeValue(g, o);
      }
      g.writeEndArray();
    } else if (v instanceof Map) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        writeValue(g, e.getValue());
      }
      g.writeEndObject();
    } else {
      g.writeString(v.toString());
    }
  }

  private static void writeValue(JsonGenerator g, String name, @Nullable Object v) throws IOException {
    g.writeFieldName(name);
    writeValue(g, v);
  }

  private static void writeTristate(JsonGenerator g, String name, Tristate t) throws IOException {
    g.writeFieldName(name);
    if (t == Tristate.UNKNOWN) {
      g.writeNull();
    } else {
      g.writeBoolean(t == Tristate.YES);
    }
  }

  private static void writeShare(JsonGenerator g, String name, @Nullable Double share) throws IOException {
    g.writeFieldName(name);
    if (share == null) {
      g.writeNull();
    } else {
      g.writeNumber(Math.round(share * 10000) / 10000.0);
    }
  }

  /** RFC 3339 in UTC, e.g. {@code 2023-05-16T01:32:52Z}. */
  static @Nullable String time(@Nullable Instant t) {
    return t == null ? null : t.toString();
  }
}
