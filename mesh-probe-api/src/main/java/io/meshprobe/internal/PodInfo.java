package io.meshprobe.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The pod's annotations and labels as the Kubernetes Downward API writes them into files: one
 * {@code key="value"} per line, the value quoted the way Go's {@code %q} does.
 */
public final class PodInfo {
  /** Size cap per file: a Downward API file is a few kB. */
  private static final int MAX_BYTES = 1 << 20;

  private final Map<String, String> annotations;
  private final Map<String, String> labels;

  private PodInfo(Map<String, String> annotations, Map<String, String> labels) {
    this.annotations = annotations;
    this.labels = labels;
  }

  /** Reads {@code dir/annotations} and {@code dir/labels}; {@code null} when neither file exists or can be read. */
  public static @Nullable PodInfo read(Path dir) {
    Map<String, String> annotations = readFile(dir.resolve("annotations"));
    Map<String, String> labels = readFile(dir.resolve("labels"));
    if (annotations == null && labels == null) {
      return null;
    }
    return new PodInfo(
        annotations == null ? Collections.<String, String>emptyMap() : annotations,
        labels == null ? Collections.<String, String>emptyMap() : labels);
  }

  public Map<String, String> annotations() {
    return annotations;
  }

  public Map<String, String> labels() {
    return labels;
  }

  private static @Nullable Map<String, String> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      if (Files.size(file) > MAX_BYTES) {
        return null;
      }
      Map<String, String> map = new LinkedHashMap<>();
      for (String line : lines(file)) {
        int eq = line.indexOf('=');
        if (eq <= 0) {
          continue;
        }
        String key = line.substring(0, eq).trim();
        String value = line.substring(eq + 1).trim();
        map.put(key, unquote(value));
      }
      return map;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The file's lines, as {@code Files.readAllLines(file, UTF_8)} gives them (malformed UTF-8 is an error; {@code \n},
   * {@code \r} and {@code \r\n} end a line), but read with a plain {@code FileInputStream}: this runs in the agent's
   * premain, where {@code readAllLines} loads about 35 JDK classes outside the CDS archive (a {@code FileChannel},
   * a {@code BufferedReader} over a {@code StreamDecoder}) for a file of a few hundred bytes.
   */
  static List<String> lines(Path file) throws IOException {
    byte[] b = new byte[4096];
    int len = 0;
    try (InputStream in = new FileInputStream(file.toFile())) {
      int n;
      while ((n = in.read(b, len, b.length - len)) > 0) {
        len += n;
        if (len == b.length) {
          if (b.length > MAX_BYTES) {
            throw new IOException(file + " is larger than " + MAX_BYTES + " bytes");
          }
          b = Arrays.copyOf(b, b.length * 2);
        }
      }
    }
    String text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b, 0, len)).toString();
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\n' || c == '\r') {
        lines.add(text.substring(start, i));
        if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    if (start < text.length()) {
      lines.add(text.substring(start));
    }
    return lines;
  }

  /** Undoes Go's {@code %q} quoting: {@code "a\"b"} → {@code a"b}. A value without quotes is returned as it is. */
  static String unquote(String value) {
    if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
      return value;
    }
    String s = value.substring(1, value.length() - 1);
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 == s.length()) {
        sb.append(c);
        continue;
      }
      char e = s.charAt(++i);
      int hexDigits = e == 'u' ? 4 : e == 'x' ? 2 : 0;
      if (hexDigits > 0 && i + hexDigits < s.length()) {
        try {
          sb.append((char) Integer.parseInt(s.substring(i + 1, i + 1 + hexDigits), 16));
          i += hexDigits;
          continue;
        } catch (NumberFormatException ignored) {
          // not an escape after all: keep the letter
        }
      }
      sb.append(e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e);
    }
    return sb.toString();
  }
}
