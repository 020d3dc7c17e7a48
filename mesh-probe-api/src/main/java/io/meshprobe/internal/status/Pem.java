package io.meshprobe.internal.status;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The leaf of a PEM certificate chain, read with the JDK's {@link CertificateFactory}. */
final class Pem {
  private static final int SAN_URI = 6;

  private Pem() {}

  /** The first certificate of {@code pem}: its URI SAN (SPIFFE ID), validity and serial; {@code null} if unreadable. */
  static Evidence.@Nullable CertInfo leaf(byte[] pem, String source) {
    try {
      Collection<? extends java.security.cert.Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
      for (java.security.cert.Certificate c : certs) {
        if (c instanceof X509Certificate) {
          X509Certificate x = (X509Certificate) c;
          Evidence.CertInfo info =
              new Evidence.CertInfo(uriSan(x), x.getNotBefore().toInstant(), x.getNotAfter().toInstant(), source);
          info.serial = x.getSerialNumber().toString(16).toLowerCase(Locale.ROOT);
          return info;
        }
      }
      return null;
    } catch (CertificateException | RuntimeException e) {
      return null;
    }
  }

  private static @Nullable String uriSan(X509Certificate x) {
    try {
      Collection<List<?>> sans = x.getSubjectAlternativeNames();
      if (sans == null) {
        return null;
      }
      String any = null;
      for (List<?> san : sans) {
        if (san.size() >= 2 && Integer.valueOf(SAN_URI).equals(san.get(0)) && san.get(1) instanceof String) {
          String uri = (String) san.get(1);
          if (uri.startsWith("spiffe://")) {
            return uri;
          }
          any = any == null ? uri : any;
        }
      }
      return any;
    } catch (CertificateParsingException e) {
      return null;
    }
  }
}
