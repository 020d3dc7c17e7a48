package io.meshprobe.status;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one status document, schema {@value #SCHEMA} ({@code docs/cli.md}): what {@code mesh-probe doctor --json}
 * prints, what the Spring Boot starter's {@code meshprobe} actuator endpoint returns and what its health details show
 * under {@code status}. One set of field names for all of them.
 *
 * <p>Fields, in this order: {@code schema}, {@code proxy} ({@code kind}, {@code mesh}, {@code version},
 * {@code nativeSidecar}), {@code identity}, {@code certificate} ({@code notBefore}, {@code notAfter},
 * {@code source}), {@code mtls} ({@code mode}, {@code observedShare}, {@code configuredMode}, {@code plaintext},
 * {@code plaintextPeers}, {@code strictReady}), {@code ports} (each {@code port},
 * {@code protocol}, {@code mtls}, {@code intercepted}, {@code observedMtlsShare}), {@code health}
 * ({@code controlPlaneConnected}, {@code lastConfigUpdate}, {@code configRejected}, {@code rejectedConfigs},
 * {@code memoryBytes}, {@code cpuSeconds}, {@code quitAvailable}), {@code findings} (each {@code code},
 * {@code severity}, {@code message}), {@code notes}, {@code takenAt}. A value that could not be derived is
 * {@code null}; times are RFC 3339 in UTC; shares are 0..1, rounded to 4 decimals.
 */
public final class StatusDocument {
  /** The schema name written in the document's {@code schema} field. */
  public static final String SCHEMA = "meshprobe.status/v1";

  private static final JsonFactory FACTORY = new JsonFactory();

  private StatusDocument() {}

  /**
   * The document as ordered maps and lists of strings, numbers, booleans and {@code null}: ready for any JSON
   * serialiser (e.g. an actuator endpoint or health details), with the same names and values as {@link #toJson}.
   */
  public static Map<String, @Nullable Object> toMap(MeshStatus s) {
    Objects.requireNonNull(s, "status");
    Map<String, @Nullable Object> doc = new LinkedHashMap<>();
    doc.put("schema", SCHEMA);
    Map<String, @Nullable Object> proxy = new LinkedHashMap<>();
    proxy.put("kind", s.proxy().kind().id());
    proxy.put("mesh", s.proxy().mesh());
    proxy.put("version", s.proxy().version());
    proxy.put("nativeSidecar", tristate(s.proxy().nativeSidecar()));
    doc.put("proxy", proxy);
    Identity id = s.identity();
    doc.put("identity", id == null ? null : id.name());
    Map<String, @Nullable Object> cert = new LinkedHashMap<>();
    cert.put("notBefore", time(id == null ? null : id.notBefore()));
    cert.put("notAfter", time(id == null ? null : id.notAfter()));
    cert.put("source", id == null ? null : id.source());
    doc.put("certificate", cert);
    Map<String, @Nullable Object> mtls = new LinkedHashMap<>();
    mtls.put("mode", s.mtls().name());
    mtls.put("observedShare", share(s.observedMtlsShare()));
    strict(mtls, s);
    doc.put("mtls", mtls);
    List<Object> ports = new ArrayList<>();
    for (PortStatus p : s.ports()) {
      Map<String, @Nullable Object> port = new LinkedHashMap<>();
      port.put("port", p.port());
      port.put("protocol", p.protocol().name());
      port.put("mtls", p.mtls().name());
      port.put("intercepted", tristate(p.intercepted()));
      port.put("observedMtlsShare", share(p.observedMtlsShare()));
      ports.add(port);
    }
    doc.put("ports", ports);
    ProxyHealth h = s.health();
    Map<String, @Nullable Object> health = new LinkedHashMap<>();
    health.put("controlPlaneConnected", tristate(h.controlPlaneConnected()));
    health.put("lastConfigUpdate", time(h.lastConfigUpdate()));
    health.put("configRejected", h.configRejected());
    health.put("rejectedConfigs", new ArrayList<Object>(h.rejectedConfigs()));
    health.put("memoryBytes", h.memoryBytes());
    health.put("cpuSeconds", h.cpuSeconds());
    health.put("quitAvailable", tristate(h.quitAvailable()));
    doc.put("health", health);
    List<Object> findings = new ArrayList<>();
    for (Finding f : s.findings()) {
      Map<String, @Nullable Object> finding = new LinkedHashMap<>();
      finding.put("code", f.code());
      finding.put("severity", f.severity().name());
      finding.put("message", f.message());
      findings.add(finding);
    }
    doc.put("findings", findings);
    doc.put("notes", new ArrayList<Object>(s.notes()));
    doc.put("takenAt", time(s.takenAt()));
    return doc;
  }

  /** The document as pretty-printed JSON text (UTF-8 when written out), ending with a newline. */
  public static String toJson(MeshStatus s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      write(s, Collections.<String, Object>emptyMap(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // not from a byte array
    }
    return new String(out.toByteArray(), StandardCharsets.UTF_8);
  }

  /**
   * Writes the document, then {@code extra} top-level fields (a tool's own, e.g. the CLI's {@code ready}) to
   * {@code out}, and a newline. Does not close {@code out}.
   *
   * @param extra values may be strings, numbers, booleans, {@code null}, lists and maps of these
   */
  public static void write(MeshStatus s, Map<String, ?> extra, OutputStream out) throws IOException {
    Objects.requireNonNull(extra, "extra");
    Objects.requireNonNull(out, "out");
    Map<String, @Nullable Object> doc = toMap(s);
    for (Map.Entry<String, ?> e : extra.entrySet()) {
      doc.put(e.getKey(), e.getValue());
    }
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.useDefaultPrettyPrinter();
      writeValue(g, doc);
    }
    out.write('\n');
    out.flush();
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

  /**
   * The additive STRICT-migration fields of {@code mtls}: the configured mode, the plaintext counts, the plaintext
   * clients and the "ready for STRICT" answer ({@code docs/cli.md}).
   */
  private static void strict(Map<String, @Nullable Object> mtls, MeshStatus s) {
    mtls.put("configuredMode", s.configuredMtls().name());
    Map<String, @Nullable Object> plaintext = new LinkedHashMap<>();
    plaintext.put("count", s.plaintextCount());
    plaintext.put("recent", s.plaintextRecent());
    plaintext.put("since", time(s.previousRead()));
    mtls.put("plaintext", plaintext);
    List<Object> peers = new ArrayList<>();
    for (PlaintextPeer p : s.plaintextPeers()) {
      Map<String, @Nullable Object> peer = new LinkedHashMap<>();
      peer.put("port", p.port());
      peer.put("workload", p.workload());
      peer.put("namespace", p.namespace());
      peer.put("principal", p.principal());
      peer.put("count", p.count());
      peer.put("recent", p.recent());
      peers.add(peer);
    }
    mtls.put("plaintextPeers", peers);
    StrictReadiness r = s.strictReadiness();
    Map<String, @Nullable Object> ready = new LinkedHashMap<>();
    ready.put("ready", tristate(r.ready()));
    ready.put("reasons", new ArrayList<Object>(r.reasons()));
    mtls.put("strictReady", ready);
  }

  private static @Nullable Boolean tristate(Tristate t) {
    return t == Tristate.UNKNOWN ? null : t == Tristate.YES;
  }

  private static @Nullable Double share(@Nullable Double share) {
    return share == null ? null : Math.round(share * 10000) / 10000.0;
  }

  /** RFC 3339 in UTC, e.g. {@code 2023-05-16T01:32:52Z}. */
  private static @Nullable String time(@Nullable Instant t) {
    return t == null ? null : t.toString();
  }
}
