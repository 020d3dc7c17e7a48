package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.testkit.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Not a test: a benchmark run by hand (see the resolve note of issue 3). Times evidence reading + derivation from
 * in-memory bytes (no network) for the largest real fixture and for synthetic dumps made by repeating the real
 * listener and cluster entries of the 1.3 dump.
 *
 * <pre>java -cp target/test-classes:target/classes:$(deps) io.meshprobe.internal.status.StatusBenchmark [copies...]</pre>
 */
public final class StatusBenchmark {
  public static void main(String[] args) throws IOException {
    report("real 2019dev (largest)", Fixtures.bytes("istio/sidecar-2019dev-echo-permissive-http-and-tcp-ports.config_dump.json"));
    report("real 1.3", Fixtures.bytes("istio/sidecar-1.3-productpage-permissive-http.config_dump.json"));
    int[] copies = args.length == 0 ? new int[] {12} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    for (int n : copies) {
      byte[] big = repeat(Fixtures.bytes("istio/sidecar-1.3-productpage-permissive-http.config_dump.json"), n);
      report("synthetic 1.3 x" + n, big);
    }
  }

  static void report(String name, byte[] dump) throws IOException {
    for (int i = 0; i < 30; i++) {
      run(dump);
    }
    int rounds = 30;
    long[] nanos = new long[rounds];
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocBefore = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
    MeshStatus s = null;
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      s = run(dump);
      nanos[i] = System.nanoTime() - t0;
    }
    long alloc = (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - allocBefore) / rounds;
    Arrays.sort(nanos);
    System.out.printf(
        "%-26s %8.2f MB  median %6.1f ms  p90 %6.1f ms  alloc/run %6.1f MB  ports=%s%n",
        name, dump.length / 1e6, nanos[rounds / 2] / 1e6, nanos[rounds * 9 / 10] / 1e6, alloc / 1e6, s.ports());
  }

  static MeshStatus run(byte[] dump) throws IOException {
    Evidence e = new Evidence();
    try (InputStream in = new ByteArrayInputStream(dump)) {
      Payloads.read(in, e);
    }
    return Derivation.derive(e, null, Derivation.AppPorts.none(), Instant.now());
  }

  /** Copies the dump, writing each entry of dynamic_listeners and dynamic_active_clusters {@code copies} times. */
  static byte[] repeat(byte[] dump, int copies) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(dump.length * copies);
    try (JsonParser p = Json.FACTORY.createParser(dump);
        JsonGenerator g = Json.FACTORY.createGenerator(out)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t == JsonToken.FIELD_NAME
            && ("dynamic_listeners".equals(p.currentName()) || "dynamic_active_clusters".equals(p.currentName()))) {
          g.writeFieldName(p.currentName());
          p.nextToken();
          List<String> elements = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            StringWriter w = new StringWriter();
            try (JsonGenerator eg = Json.FACTORY.createGenerator(w)) {
              eg.copyCurrentStructure(p);
            }
            elements.add(w.toString());
          }
          g.writeStartArray();
          for (int i = 0; i < copies; i++) {
            for (String el : elements) {
              g.writeRawValue(el);
            }
          }
          g.writeEndArray();
        } else {
          g.copyCurrentEvent(p);
        }
      }
    }
    return out.toByteArray();
  }
}
