package io.meshprobe.internal.status;

import io.meshprobe.status.MeshStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Offline analysis of saved payloads of one pod: each file is recognised by its content, all combine into one report. */
public final class Offline {
  private final MeshStatus status;
  private final Map<String, String> kinds;

  private Offline(MeshStatus status, Map<String, String> kinds) {
    this.status = status;
    this.kinds = kinds;
  }

  public MeshStatus status() {
    return status;
  }

  /** File → what it was recognised as ({@code config_dump}, {@code certs}, {@code linkerd metrics}, …). */
  public Map<String, String> kinds() {
    return kinds;
  }

  /**
   * @param ports the app ports to report ({@code --ports}); empty: the proxy's non-proxy inbound ports
   * @throws IOException when a file cannot be read or is malformed JSON, naming the file
   */
  public static Offline analyze(List<Path> files, List<Integer> ports, Instant now) throws IOException {
    Evidence e = new Evidence();
    Map<String, String> kinds = new LinkedHashMap<>();
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        kinds.put(f.toString(), Payloads.read(in, e));
      } catch (IOException ex) {
        throw new IOException(f + ": " + ex.getMessage(), ex);
      }
    }
    MeshStatus s = Derivation.derive(e, null, new Derivation.AppPorts(ports, new ArrayList<Integer>()), now);
    return new Offline(s, kinds);
  }
}
