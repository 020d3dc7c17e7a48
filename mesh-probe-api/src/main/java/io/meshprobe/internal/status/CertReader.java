package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Secrets and certificates: the workload chain of a config dump's {@code dynamic_active_secrets} (parsed as X.509 by
 * {@link Pem}) and Envoy's {@code /certs} entries (SPIFFE URI SAN and validity). One of the three readers behind
 * {@link JsonPayloads}.
 */
final class CertReader {
  private CertReader() {}

  /** A {@code dynamic_active_secrets[]} entry: the workload chain of a {@code tls_certificate}, parsed as X.509. */
  static void readSecret(JsonParser p, Evidence e) throws IOException {
    String name = null;
    byte[] chain = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("name".equals(field) && v == JsonToken.VALUE_STRING) {
        name = p.getText();
      } else if ("secret".equals(field) && v == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken sv = Json.next(p);
          if ("name".equals(f) && sv == JsonToken.VALUE_STRING) {
            name = name != null ? name : p.getText();
          } else if ("tls_certificate".equals(f) && sv == JsonToken.START_OBJECT) {
            chain = readCertificateChain(p);
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    if (chain != null) {
      Evidence.CertInfo cert = Pem.leaf(chain, "secrets dump (" + (name == null ? "?" : name) + ")");
      if (cert != null) {
        e.cert(cert);
      } else {
        e.note("secret " + name + ": the certificate chain could not be parsed");
      }
    }
  }

  /** {@code tls_certificate.certificate_chain.inline_bytes} (base64 of PEM) or {@code inline_string} (PEM). */
  private static byte @Nullable [] readCertificateChain(JsonParser p) throws IOException {
    byte[] chain = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("certificate_chain".equals(field) && v == JsonToken.START_OBJECT) {
        while (Json.next(p) == JsonToken.FIELD_NAME) {
          String f = p.currentName();
          JsonToken cv = Json.next(p);
          if ("inline_bytes".equals(f) && cv == JsonToken.VALUE_STRING) {
            try {
              chain = Base64.getMimeDecoder().decode(p.getText());
            } catch (IllegalArgumentException ex) {
              chain = null;
            }
          } else if ("inline_string".equals(f) && cv == JsonToken.VALUE_STRING) {
            chain = p.getText().getBytes(StandardCharsets.UTF_8);
          } else {
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    return chain;
  }

  /**
   * Envoy's {@code /certs} {@code certificates[]}: takes the {@code cert_chain} entries with a SPIFFE URI SAN (else
   * any) and their {@code valid_from} / {@code expiration_time}; {@code days_until_expiration} is ignored, it rounds
   * down. Returns the number of Envoy entries, or -1 when the array is ztunnel's ({@code identity}, {@code certChain}).
   */
  static int readCertificates(JsonParser p, Evidence e) throws IOException {
    int count = 0;
    boolean ztunnel = false;
    while (Json.next(p) != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
      while (Json.next(p) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = Json.next(p);
        if ("cert_chain".equals(field) && v == JsonToken.START_ARRAY) {
          count++;
          Json.eachObjectInArray(p, q -> readCertDetails(q, e));
        } else {
          ztunnel |= "identity".equals(field) || "certChain".equals(field);
          p.skipChildren();
        }
      }
    }
    return ztunnel && count == 0 ? -1 : count;
  }

  private static void readCertDetails(JsonParser p, Evidence e) throws IOException {
    String uri = null;
    Instant from = null;
    Instant to = null;
    while (Json.next(p) == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = Json.next(p);
      if ("subject_alt_names".equals(field) && v == JsonToken.START_ARRAY) {
        while (Json.next(p) != JsonToken.END_ARRAY) {
          if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            continue;
          }
          while (Json.next(p) == JsonToken.FIELD_NAME) {
            String f = p.currentName();
            Json.next(p);
            String value = Json.text(p);
            if ("uri".equals(f) && value != null && (uri == null || value.startsWith("spiffe://"))) {
              uri = value;
            }
          }
        }
      } else if ("valid_from".equals(field)) {
        from = instant(Json.text(p));
      } else if ("expiration_time".equals(field)) {
        to = instant(Json.text(p));
      } else {
        p.skipChildren();
      }
    }
    if (to != null || uri != null) {
      e.cert(new Evidence.CertInfo(uri, from, to, "/certs"));
    }
  }

  static @Nullable Instant instant(@Nullable String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException ex) {
      try {
        return java.time.OffsetDateTime.parse(rfc3339).toInstant();
      } catch (DateTimeParseException ex2) {
        return null;
      }
    }
  }
}
