package io.meshprobe.benchmarks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes synthetic config dumps of about the requested sizes by repeating the real listener and cluster entries
 * (each entry of {@code dynamic_listeners} and {@code dynamic_active_clusters}) of a real fixture, streaming, so
 * that a 200 MB dump never sits in memory. Everything else of the fixture (bootstrap, secrets, ...) is kept once.
 * The repeated entries are byte-identical copies: same names and ports, so this measures parsing cost, not a
 * pod with 200 MB worth of distinct services.
 *
 * <p>Usage: {@code GenDumps <fixture.json> <out-dir> <MB>...}; writes {@code synthetic-<MB>mb.config_dump.json}.
 */
public final class GenDumps {
  private static final JsonFactory JSON = new JsonFactory();

  private GenDumps() {}

  public static void main(String[] args) throws IOException {
    Path fixture = Paths.get(args[0]);
    Path dir = Files.createDirectories(Paths.get(args[1]));
    long[] once = new long[2];
    write(fixture, 1, OutputStream.nullOutputStream(), once);
    long fixed = once[0] - once[1];
    for (int i = 2; i < args.length; i++) {
      long target = Long.parseLong(args[i]) * 1_000_000L;
      int copies = (int) Math.max(1, Math.round((double) (target - fixed) / once[1]));
      Path out = dir.resolve("synthetic-" + args[i] + "mb.config_dump.json");
      long[] size = new long[2];
      try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(out), 1 << 16)) {
        write(fixture, copies, o, size);
      }
      System.out.printf("%s: %d bytes, %d copies of the %d bytes of listeners and clusters of %s%n", out,
          Files.size(out), copies, once[1], fixture.getFileName());
    }
  }

  /** size[0] = bytes written, size[1] = bytes of one copy of the repeated entries. */
  static void write(Path fixture, int copies, OutputStream raw, long[] size) throws IOException {
    CountingStream out = new CountingStream(raw);
    try (InputStream in = Files.newInputStream(fixture);
        JsonParser p = JSON.createParser(in);
        JsonGenerator g = JSON.createGenerator(out)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        String name = t == JsonToken.FIELD_NAME ? p.currentName() : null;
        if ("dynamic_listeners".equals(name) || "dynamic_active_clusters".equals(name)) {
          g.writeFieldName(name);
          if (p.nextToken() != JsonToken.START_ARRAY) {
            g.copyCurrentStructure(p);
            continue;
          }
          List<String> elements = new ArrayList<>();
          while (p.nextToken() != JsonToken.END_ARRAY) {
            StringWriter w = new StringWriter();
            try (JsonGenerator eg = JSON.createGenerator(w)) {
              eg.copyCurrentStructure(p);
            }
            elements.add(w.toString());
            size[1] += w.getBuffer().length() + 1;
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
    size[0] = out.count;
  }

  private static final class CountingStream extends java.io.FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
