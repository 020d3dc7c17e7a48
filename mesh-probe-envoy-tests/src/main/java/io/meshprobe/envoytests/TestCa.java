package io.meshprobe.envoytests;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority made at test time with Bouncy Castle: a self-signed root ({@code O=cluster.local}, as
 * Istio's self-signed CA) that issues workload certificates shaped like Istio's: an empty subject, a critical SAN
 * holding only the SPIFFE URI {@code spiffe://cluster.local/ns/<ns>/sa/<sa>}, client and server auth, and a chosen
 * validity. Keys are EC P-256 (Istio's ECC option; quicker to make than RSA 2048).
 */
public final class TestCa {
  private final KeyPair key;
  private final X509Certificate root;
  private final SecureRandom random = new SecureRandom();

  public TestCa() {
    try {
      key = ecKey();
      X500Name name = new X500Name("O=cluster.local");
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name, serial(), Date.from(now.minusSeconds(3600)), Date.from(now.plusSeconds(10L * 365 * 86400)), name, key.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key.getPublic()));
      root = sign(b);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make the test CA", e);
    }
  }

  /** A workload certificate for {@code spiffeId}, valid from {@code notBefore} to {@code notAfter}. */
  public Issued issue(String spiffeId, Instant notBefore, Instant notAfter) {
    try {
      KeyPair leafKey = ecKey();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              root, serial(), Date.from(notBefore), Date.from(notAfter), new X500Name(new RDN[0]), leafKey.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(root));
      b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)));
      X509Certificate leaf = sign(b);
      return new Issued(leaf, pem(leaf), pem(new JcaPKCS8Generator(leafKey.getPrivate(), null).generate()));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot issue " + spiffeId, e);
    }
  }

  public X509Certificate root() {
    return root;
  }

  public String rootPem() {
    return pem(root);
  }

  private X509Certificate sign(X509v3CertificateBuilder b) throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    } catch (org.bouncycastle.operator.OperatorCreationException e) {
      throw new GeneralSecurityException(e);
    }
  }

  private BigInteger serial() {
    return new BigInteger(64, random).setBit(63);
  }

  private static KeyPair ecKey() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  static String pem(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** A workload certificate with its PEM and its private key's PEM. */
  public static final class Issued {
    private final X509Certificate certificate;
    private final String certificatePem;
    private final String privateKeyPem;

    Issued(X509Certificate certificate, String certificatePem, String privateKeyPem) {
      this.certificate = certificate;
      this.certificatePem = certificatePem;
      this.privateKeyPem = privateKeyPem;
    }

    public X509Certificate certificate() {
      return certificate;
    }

    public String certificatePem() {
      return certificatePem;
    }

    public String privateKeyPem() {
      return privateKeyPem;
    }

    public Instant notAfter() {
      return certificate.getNotAfter().toInstant();
    }
  }
}
