package io.meshprobe.internal.status;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Reads any saved payload into {@link Evidence}, telling JSON from Prometheus text by its first byte. */
public final class Payloads {
  private Payloads() {}

  /** Reads one payload; returns a label of what it was ({@code config_dump}, {@code certs}, {@code metrics}, …). */
  public static String read(InputStream raw, Evidence evidence) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 65536);
    in.mark(4096);
    int c;
    do {
      c = in.read();
    } while (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB || c == 0xBF);
    in.reset();
    if (c == '{' || c == '[') {
      JsonPayloads.Kind kind = JsonPayloads.read(in, evidence);
      evidence.sources.add(kind.label());
      return kind.label();
    }
    if (c < 0) {
      evidence.sources.add("empty");
      return "empty";
    }
    PromText.Format format = PromText.read(new InputStreamReader(in, StandardCharsets.UTF_8), evidence);
    if (format == PromText.Format.PROMETHEUS) {
      String label = evidence.linkerdMetrics ? "linkerd metrics" : evidence.istioSidecarStats ? "istio metrics" : "metrics";
      evidence.sources.add(label);
      return label;
    }
    if (format == PromText.Format.ENVOY_STATS) {
      evidence.sources.add("envoy stats");
      return "envoy stats";
    }
    evidence.sources.add("unrecognised");
    return "unrecognised";
  }
}
