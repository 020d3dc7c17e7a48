package io.meshprobe.agent;

import io.meshprobe.testkit.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;

/**
 * Istio's recorded secrets dump ({@code istio/secrets-istio-ca.config_dump.json}) with its {@code [redacted]}
 * private key replaced by a freshly generated RSA key in PEM, followed by a marker line: a derived scenario, not a
 * recording. {@link #needles()} are the strings that must never reach an output.
 */
public final class PlantedSecrets {
  public static final String MARKER = "MESHPROBE-LEAK-MARKER-agent-5d1e0b";
  /** The fixture's private key, base64 of {@code [redacted]}. */
  private static final String REDACTED = "W3JlZGFjdGVkXQ==";

  private final String keyBase64;
  private final String pemBase64;
  private final String dump;

  private PlantedSecrets(String keyBase64, String pemBase64, String dump) {
    this.keyBase64 = keyBase64;
    this.pemBase64 = pemBase64;
    this.dump = dump;
  }

  public static PlantedSecrets generate() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    byte[] pkcs8 = g.generateKeyPair().getPrivate().getEncoded();
    String key = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8);
    String pem = "-----BEGIN PRIVATE KEY-----\n" + key + "\n-----END PRIVATE KEY-----\n# " + MARKER + "\n";
    String pemB64 = Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    String real = Fixtures.text("istio/secrets-istio-ca.config_dump.json");
    if (!real.contains(REDACTED)) {
      throw new IllegalStateException("the fixture no longer holds the redacted key");
    }
    return new PlantedSecrets(key, pemB64, real.replace(REDACTED, pemB64));
  }

  /** The dump with the key planted. */
  public String dump() {
    return dump;
  }

  /** The dump cut in the middle of the key, so that a parse error message would quote it if anything did. */
  public String brokenDump() {
    int cut = dump.indexOf(pemBase64) + pemBase64.length() / 2;
    return dump.substring(0, cut) + "\u0001\"}}}";
  }

  public Path write(Path file, String content) throws IOException {
    return Files.write(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /** The marker, pieces of the key (as served, base64 of the PEM, and as in the PEM body) and the PEM label. */
  public List<String> needles() {
    return List.of(MARKER, pemBase64.substring(40, 80), keyBase64.substring(64, 120).replace("\n", ""), "PRIVATE KEY");
  }
}
