package io.meshprobe.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import io.meshprobe.testkit.internal.Payloads;

/**
 * The real payloads recorded by Istio, Envoy, Linkerd and others, shipped verbatim in this jar under
 * {@code io/meshprobe/testkit/fixtures/} (see {@code SOURCES.md} there for where each came from). Paths are
 * relative to that folder, e.g. {@code "istio/sidecar-1.3-productpage-permissive-http.config_dump.json"}.
 */
public final class Fixtures {
  static final String ROOT = Payloads.FIXTURES_ROOT;

  private Fixtures() {}

  /** Opens a fixture. The caller closes the stream. */
  public static InputStream open(String path) {
    InputStream in = Fixtures.class.getResourceAsStream(ROOT + path);
    if (in == null) {
      throw new IllegalArgumentException("no fixture '" + path + "' under " + ROOT);
    }
    return in;
  }

  /** A fixture's bytes. */
  public static byte[] bytes(String path) {
    try (InputStream in = open(path)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[16384];
      int n;
      while ((n = in.read(buf)) != -1) {
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fixture as UTF-8 text. */
  public static String text(String path) {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }
}
