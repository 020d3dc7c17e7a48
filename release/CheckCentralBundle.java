import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks the Central bundle that {@code ./mvnw -Prelease verify} staged (a Maven repository layout) and zips it.
 *
 * <p>What Central requires of each artifact: a POM with coordinates, name, description, url, a licence, a developer
 * and scm (inherited from a parent that is itself in the bundle); for jar packaging the jar, a -sources.jar and a
 * -javadoc.jar; an .md5 and a .sha1 beside every file, matching it; an .asc beside every file at release time. On
 * top of that, mesh-probe's own rules: a CycloneDX SBOM beside every artifact, a javadoc jar with an index.html, a
 * sources jar with .java files, and a BOM that manages exactly the bundle's jars at the reactor's version.
 *
 * <p>Run by release/pom.xml (JDK only: {@code java CheckCentralBundle.java --staging=... --bundle=... ...}). Exit 1
 * with one line per problem.
 */
public class CheckCentralBundle {
  private final List<String> problems = new ArrayList<>();
  private final Map<String, Document> poms = new HashMap<>();

  public static void main(String[] args) throws Exception {
    Map<String, String> opt = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      opt.put(a.substring(2, eq), a.substring(eq + 1));
    }
    CheckCentralBundle check = new CheckCentralBundle();
    int artifacts = check.run(Paths.get(opt.get("staging")), opt.get("group"), opt.get("version"),
        new LinkedHashSet<>(Arrays.asList(opt.get("expect").split(","))),
        Boolean.parseBoolean(opt.getOrDefault("require-signatures", "false")), Paths.get(opt.get("bundle")));
    if (!check.problems.isEmpty()) {
      System.out.println("[central-bundle] FAILED: " + check.problems.size() + " problem(s)");
      check.problems.forEach(p -> System.out.println("[central-bundle]   " + p));
      System.exit(1);
    }
    System.out.println("[central-bundle] OK: " + artifacts + " artifacts have what Central requires; bundle "
        + opt.get("bundle"));
  }

  int run(Path staging, String group, String version, Set<String> expected, boolean signatures, Path bundle)
      throws Exception {
    Path groupDir = staging.resolve(group.replace('.', '/'));
    if (!Files.isDirectory(groupDir)) {
      problems.add("nothing staged under " + groupDir + " (was the build run with -Prelease?)");
      return 0;
    }
    Set<String> found = new TreeSet<>();
    try (Stream<Path> dirs = Files.list(groupDir)) {
      dirs.filter(Files::isDirectory).forEach(d -> found.add(d.getFileName().toString()));
    }
    for (String a : expected) {
      if (!found.contains(a)) {
        problems.add(a + ": not staged");
      }
    }
    for (String a : found) {
      if (!expected.contains(a)) {
        problems.add(a + ": staged but not expected to be published (maven.deploy.skip missing?)");
      }
    }
    if (version.endsWith("-SNAPSHOT")) {
      System.out.println("[central-bundle] note: " + version + " is a snapshot: Central takes release versions only;"
          + " the bundle's structure is checked all the same");
    }
    // First read every POM (parents are resolved within the bundle), then check each artifact.
    Map<String, String> fileVersions = new TreeMap<>();
    for (String a : found) {
      Path dir = groupDir.resolve(a).resolve(version);
      if (!Files.isDirectory(dir)) {
        problems.add(a + ": no directory for version " + version);
        continue;
      }
      String fileVersion = fileVersion(dir, version);
      fileVersions.put(a, fileVersion);
      Path pom = dir.resolve(a + "-" + fileVersion + ".pom");
      if (Files.isRegularFile(pom)) {
        poms.put(a, parse(pom));
      } else {
        problems.add(a + ": no POM " + pom.getFileName());
      }
    }
    Set<String> jars = new TreeSet<>();
    for (Map.Entry<String, String> e : fileVersions.entrySet()) {
      String a = e.getKey();
      Document pom = poms.get(a);
      if (pom == null) {
        continue;
      }
      Path dir = groupDir.resolve(a).resolve(version);
      String base = a + "-" + e.getValue();
      String packaging = text(pom.getDocumentElement(), "packaging");
      packaging = packaging == null ? "jar" : packaging;
      checkMetadata(a, pom, group, version);
      List<String> required = new ArrayList<>(List.of(base + ".pom", base + "-cyclonedx.json"));
      if (packaging.equals("jar")) {
        jars.add(a);
        required.addAll(List.of(base + ".jar", base + "-sources.jar", base + "-javadoc.jar"));
      } else if (!packaging.equals("pom")) {
        problems.add(a + ": packaging " + packaging + " is not one this check knows");
      }
      for (String f : required) {
        Path file = dir.resolve(f);
        if (!Files.isRegularFile(file)) {
          problems.add(a + ": missing " + f);
          continue;
        }
        checkChecksums(a, file);
        if (signatures && !Files.isRegularFile(dir.resolve(f + ".asc"))) {
          problems.add(a + ": missing signature " + f + ".asc");
        }
      }
      if (packaging.equals("jar")) {
        checkJar(a, dir.resolve(base + ".jar"), ".class", "classes");
        checkJar(a, dir.resolve(base + "-sources.jar"), ".java", "sources");
        checkJar(a, dir.resolve(base + "-javadoc.jar"), "index.html", "javadoc");
      }
      Path sbom = dir.resolve(base + "-cyclonedx.json");
      if (Files.isRegularFile(sbom)) {
        String json = Files.readString(sbom);
        if (!json.contains("\"bomFormat\" : \"CycloneDX\"") && !json.contains("\"bomFormat\":\"CycloneDX\"")) {
          problems.add(a + ": " + sbom.getFileName() + " is not a CycloneDX document");
        }
        if (!json.contains("pkg:maven/" + group + "/" + a + "@" + version)) {
          problems.add(a + ": " + sbom.getFileName() + " does not describe " + group + ":" + a + ":" + version);
        }
      }
      System.out.println("[central-bundle] " + a + " (" + packaging + "): "
          + (packaging.equals("jar") ? "pom, jar, sources, javadoc" : "pom") + ", SBOM, checksums"
          + (signatures ? ", signatures" : " (signatures at release time)"));
    }
    checkBom(group, version, jars);
    if (problems.isEmpty()) {
      zip(staging, bundle);
    }
    return fileVersions.size();
  }

  /** A release's files carry the version; a snapshot's the timestamp of the last deploy (maven-metadata.xml). */
  private String fileVersion(Path dir, String version) throws Exception {
    if (!version.endsWith("-SNAPSHOT")) {
      return version;
    }
    Path metadata = dir.resolve("maven-metadata.xml");
    if (!Files.isRegularFile(metadata)) {
      return version;
    }
    Element snapshot = child(parse(metadata).getDocumentElement(), "versioning", "snapshot");
    if (snapshot == null) {
      return version;
    }
    return version.substring(0, version.length() - "SNAPSHOT".length())
        + text(snapshot, "timestamp") + "-" + text(snapshot, "buildNumber");
  }

  private void checkMetadata(String a, Document pom, String group, String version) {
    Element root = pom.getDocumentElement();
    String g = text(root, "groupId") != null ? text(root, "groupId") : text(child(root, "parent"), "groupId");
    String v = text(root, "version") != null ? text(root, "version") : text(child(root, "parent"), "version");
    if (!group.equals(g) || !a.equals(text(root, "artifactId")) || !version.equals(v)) {
      problems.add(a + ": POM coordinates " + g + ":" + text(root, "artifactId") + ":" + v);
    }
    for (String field : List.of("name", "description")) {
      if (blank(text(root, field))) {
        problems.add(a + ": POM without <" + field + ">");
      }
    }
    // Inherited from the parent chain, which must be in the bundle too.
    if (blank(inherited(a, "url"))) {
      problems.add(a + ": POM without <url>");
    }
    Element licence = inheritedElement(a, "licenses", "license");
    if (licence == null || blank(text(licence, "name")) || blank(text(licence, "url"))) {
      problems.add(a + ": POM without a licence (name and url)");
    }
    Element developer = inheritedElement(a, "developers", "developer");
    if (developer == null || (blank(text(developer, "name")) && blank(text(developer, "email")))) {
      problems.add(a + ": POM without a developer (name or email)");
    }
    Element scm = inheritedElement(a, "scm");
    if (scm == null || blank(text(scm, "url")) || blank(text(scm, "connection"))) {
      problems.add(a + ": POM without <scm> (url and connection)");
    }
  }

  private String inherited(String a, String field) {
    Element e = inheritedElement(a, field);
    return e == null ? null : e.getTextContent().trim();
  }

  private Element inheritedElement(String a, String... path) {
    Set<String> seen = new LinkedHashSet<>();
    Document pom = poms.get(a);
    while (pom != null && seen.add(a)) {
      Element e = child(pom.getDocumentElement(), path);
      if (e != null) {
        return e;
      }
      Element parent = child(pom.getDocumentElement(), "parent");
      if (parent == null) {
        return null;
      }
      a = text(parent, "artifactId");
      pom = poms.get(a);
      if (pom == null) {
        problems.add("parent " + a + " is not in the bundle (Central needs every parent POM)");
      }
    }
    return null;
  }

  /** The BOM manages every jar of the bundle, at the reactor's version, and nothing else. */
  private void checkBom(String group, String version, Set<String> jars) {
    Document bom = poms.get("mesh-probe-bom");
    if (bom == null) {
      return;
    }
    Element managed = child(bom.getDocumentElement(), "dependencyManagement", "dependencies");
    Set<String> listed = new TreeSet<>();
    if (managed != null) {
      for (Node n = managed.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element) {
          Element d = (Element) n;
          String v = text(d, "version");
          if (!group.equals(text(d, "groupId"))) {
            problems.add("mesh-probe-bom manages " + text(d, "groupId") + ":" + text(d, "artifactId")
                + ": only mesh-probe's own artifacts belong in it");
          }
          if (!version.equals(v) && !"${project.version}".equals(v)) {
            problems.add("mesh-probe-bom: " + text(d, "artifactId") + " at " + v + ", not " + version);
          }
          listed.add(text(d, "artifactId"));
        }
      }
    }
    if (!listed.equals(jars)) {
      problems.add("mesh-probe-bom manages " + listed + ", the bundle's jars are " + jars);
    }
  }

  private void checkChecksums(String a, Path file) throws IOException, NoSuchAlgorithmException {
    byte[] content = Files.readAllBytes(file);
    for (String[] algo : new String[][] {{"MD5", ".md5"}, {"SHA-1", ".sha1"}}) {
      Path sum = Paths.get(file + algo[1]);
      if (!Files.isRegularFile(sum)) {
        problems.add(a + ": missing " + sum.getFileName());
        continue;
      }
      String expected = hex(MessageDigest.getInstance(algo[0]).digest(content));
      String actual = Files.readString(sum).trim().split("\\s+")[0];
      if (!expected.equalsIgnoreCase(actual)) {
        problems.add(a + ": " + sum.getFileName() + " does not match the file");
      }
    }
  }

  private void checkJar(String a, Path jar, String suffix, String what) throws IOException {
    if (!Files.isRegularFile(jar)) {
      return;
    }
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      boolean any = zip.stream().anyMatch(e -> e.getName().endsWith(suffix));
      if (!any) {
        problems.add(a + ": " + jar.getFileName() + " has no " + suffix + " (empty " + what + " jar)");
      }
    }
  }

  /** The bundle Central's portal takes: the staged tree without maven-metadata, entries sorted, fixed times. */
  private static void zip(Path staging, Path bundle) throws IOException {
    List<Path> files;
    try (Stream<Path> all = Files.walk(staging)) {
      files = all.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("maven-metadata"))
          .sorted()
          .collect(Collectors.toList());
    }
    Files.createDirectories(bundle.getParent());
    FileTime epoch = FileTime.fromMillis(0);
    try (OutputStream out = Files.newOutputStream(bundle); ZipOutputStream zip = new ZipOutputStream(out)) {
      for (Path f : files) {
        ZipEntry entry = new ZipEntry(staging.relativize(f).toString().replace('\\', '/'));
        entry.setLastModifiedTime(epoch);
        zip.putNextEntry(entry);
        try (InputStream in = Files.newInputStream(f)) {
          in.transferTo(zip);
        }
        zip.closeEntry();
      }
    }
  }

  private static Document parse(Path xml) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(xml.toFile());
  }

  private static Element child(Element parent, String... path) {
    Element current = parent;
    for (String name : path) {
      if (current == null) {
        return null;
      }
      Element next = null;
      for (Node n = current.getFirstChild(); n != null; n = n.getNextSibling()) {
        if (n instanceof Element && ((Element) n).getTagName().equals(name)) {
          next = (Element) n;
          break;
        }
      }
      current = next;
    }
    return current;
  }

  private static String text(Element parent, String name) {
    Element e = child(parent, name);
    return e == null ? null : e.getTextContent().trim();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }
}
