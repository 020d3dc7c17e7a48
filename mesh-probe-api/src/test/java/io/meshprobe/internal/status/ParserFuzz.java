package io.meshprobe.internal.status;

import io.meshprobe.internal.NodeInfo;
import io.meshprobe.testkit.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The parsers under fuzz, and the mutations applied to the real payloads (fixtures) they start from. Shared by
 * the Jazzer fuzz tests ({@link ParserFuzzTest}) and the short seeded run of the normal build
 * ({@link ParserFuzzShortTest}). A parser may throw {@link IOException} (malformed input is expected); any other
 * exception or error is a bug.
 */
final class ParserFuzz {
  private ParserFuzz() {}

  /** Where the mutator gets its choices: Jazzer's data provider, or a seeded random. */
  interface Choices {
    /** A value in {@code [0, n)}. */
    int pick(int n);

    byte[] bytes(int max);
  }

  enum Target {
    CONFIG_DUMP(
        "istio/sidecar-1.3-productpage-permissive-http.config_dump.json",
        "istio/sidecar-1.4-productpage-strict-http.config_dump.json",
        "istio/sidecar-2019dev-echo-permissive-http-and-tcp-ports.config_dump.json",
        "istio/sidecar-2023-httpbin-permissive-http-listeners.config_dump.json",
        "istio/bootstrap-minimal.config_dump.json",
        "istio/waypoint-1.21-httpbin.config_dump.json",
        "istio/ztunnel.config_dump.json"),
    CERTS("other/appmesh-envoy-certs-spire-svid.json", "other/appmesh-envoy-certs-empty.json"),
    SECRETS_PEM("istio/secrets-istio-ca.config_dump.json", "istio/secrets-spire.config_dump.json"),
    PROM_TEXT(
        "linkerd/proxy-metrics-2022-sample.prom.txt",
        "linkerd/proxy-metrics-2021-authz-inbound.prom.txt",
        "envoy/stats-readiness-filter-live.istio-test.txt"),
    // No recording of /env.json exists: this seed is the fake sidecar's synthetic shape (see the testkit README).
    ENV_JSON(),
    SERVER_INFO("envoy/server_info.docs-example.json");

    final List<String> fixtures;

    Target(String... fixtures) {
      this.fixtures = Arrays.asList(fixtures);
    }

    byte[][] seeds() {
      if (this == ENV_JSON) {
        return new byte[][] {
          ("{\"LINKERD2_PROXY_IDENTITY_LOCAL_NAME\":\"default.default.serviceaccount.identity.linkerd.cluster.local\","
                  + "\"LINKERD2_PROXY_INBOUND_DEFAULT_POLICY\":\"all-unauthenticated\","
                  + "\"LINKERD2_PROXY_INBOUND_PORTS\":\"8080,9090\",\"LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED\":null}")
              .getBytes(StandardCharsets.UTF_8)
        };
      }
      byte[][] out = new byte[fixtures.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = Fixtures.bytes(fixtures.get(i));
      }
      return out;
    }

    /** Runs the parser; only IOException may come out. */
    void parse(byte[] input) throws IOException {
      switch (this) {
        case PROM_TEXT:
          PromText.read(new InputStreamReader(new ByteArrayInputStream(input), StandardCharsets.UTF_8), new Evidence());
          break;
        case SERVER_INFO:
          NodeInfo.read(new ByteArrayInputStream(input));
          JsonPayloads.read(new ByteArrayInputStream(input), new Evidence());
          break;
        case SECRETS_PEM:
          JsonPayloads.read(new ByteArrayInputStream(input), new Evidence());
          // The PEM reader on its own, with the bytes as a certificate chain.
          Pem.leaf(input, "fuzz");
          break;
        default:
          JsonPayloads.read(new ByteArrayInputStream(input), new Evidence());
      }
    }
  }

  /** Builds one input from the seeds and the choices. */
  static byte[] input(Target target, byte[][] seeds, Choices c) {
    byte[] base = seeds[c.pick(seeds.length)];
    int op = c.pick(9);
    switch (op) {
      case 0: // raw bytes
        return c.bytes(4096);
      case 1: // truncation
        return Arrays.copyOf(base, c.pick(base.length + 1));
      case 2: // byte flips
        {
          byte[] out = base.clone();
          int flips = 1 + c.pick(16);
          for (int i = 0; i < flips && out.length > 0; i++) {
            out[c.pick(out.length)] ^= (byte) (1 << c.pick(8));
          }
          return out;
        }
      case 3: // splice: a slice of one seed into another
        {
          byte[] other = seeds[c.pick(seeds.length)];
          int at = c.pick(base.length + 1);
          int from = c.pick(other.length + 1);
          int len = c.pick(other.length - from + 1);
          return concat(Arrays.copyOf(base, at), Arrays.copyOfRange(other, from, from + len), Arrays.copyOfRange(base, at, base.length));
        }
      case 4: // deep nesting
        {
          int depth = 1 + c.pick(20_000);
          String open = c.pick(2) == 0 ? "[" : "{\"a\":";
          StringBuilder sb = new StringBuilder();
          for (int i = 0; i < depth; i++) {
            sb.append(open);
          }
          byte[] prefix = sb.toString().getBytes(StandardCharsets.UTF_8);
          return c.pick(2) == 0 ? prefix : concat(prefix, base);
        }
      case 5: // huge numbers and strings inserted at a random place
        {
          String[] bombs = {
            "1" + repeat('9', 1 + c.pick(5000)),
            "-" + repeat('9', 400) + "e999999999",
            "\"" + repeat('x', 1 + c.pick(200_000)) + "\"",
            "\"" + repeat('\\', 2 * (1 + c.pick(1000))) + "u12\"",
            Base64.getEncoder().encodeToString(c.bytes(3000)),
            "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(c.bytes(2000)) + "\n-----END CERTIFICATE-----\n",
          };
          byte[] bomb = bombs[c.pick(bombs.length)].getBytes(StandardCharsets.UTF_8);
          int at = c.pick(base.length + 1);
          return concat(Arrays.copyOf(base, at), bomb, Arrays.copyOfRange(base, at, base.length));
        }
      case 6: // a fuzzer-chosen run of bytes overwriting part of the seed
        {
          byte[] out = base.clone();
          byte[] patch = c.bytes(64);
          int at = c.pick(out.length + 1);
          System.arraycopy(patch, 0, out, Math.min(at, Math.max(0, out.length - patch.length)), Math.min(patch.length, out.length));
          return out;
        }
      case 7: // a PEM block of the secrets dump replaced by fuzzer bytes (base64), inside valid JSON
        {
          String text = new String(base, StandardCharsets.ISO_8859_1);
          int key = text.indexOf("\"inline_bytes\": \"");
          if (key < 0) {
            return base;
          }
          int start = key + 17;
          int end = text.indexOf('"', start);
          String b64 = Base64.getEncoder().encodeToString(c.bytes(3000));
          return (text.substring(0, start) + b64 + text.substring(end)).getBytes(StandardCharsets.ISO_8859_1);
        }
      default:
        return base;
    }
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  static String repeat(char ch, int n) {
    char[] cs = new char[n];
    Arrays.fill(cs, ch);
    return new String(cs);
  }
}
