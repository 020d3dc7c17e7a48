package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.MeshProbe;
import java.beans.BeanInfo;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.json.JsonParserFactory;

/**
 * The starter hands only the properties a user set to the library, so the library's defaults apply; the defaults an
 * IDE shows come from {@code additional-spring-configuration-metadata.json}. This holds the two together: every
 * library setting is unset in a fresh {@link MeshProbeProperties}, has a default in the metadata, and that default
 * is the one the README's key reference gives.
 */
class MetadataDefaultsTest {
  private static final Pattern README_ROW = Pattern.compile("^\\| `(meshprobe\\.[a-z.-]+)` \\| `[A-Z_]+` \\| `([^`]*)` \\|");

  @Test
  void everyUnsetPropertyHasTheReadmeDefaultInTheMetadata() throws Exception {
    Map<String, Object> unset = new TreeMap<>();
    collectUnset("meshprobe", new MeshProbeProperties(), unset);
    Map<String, String> metadata = metadataDefaults();
    Map<String, String> readme = readmeDefaults();

    assertThat(unset.keySet())
        .as("library settings left to the library")
        .contains("meshprobe.wait.timeout", "meshprobe.http.max-body", "meshprobe.istio.admin-url", "meshprobe.quit.on-failure");
    for (String key : unset.keySet()) {
      if (key.equals("meshprobe.detect.window") || key.equals("meshprobe.envoy.admin-url")) {
        continue; // unset has its own meaning there (window only inside Kubernetes; try the known ports)
      }
      assertThat(metadata).as("metadata default of %s", key).containsKey(key);
      assertThat(readme).as("README row of %s", key).containsKey(key);
      assertThat(normalize(metadata.get(key))).as("default of %s: metadata vs README", key).isEqualTo(normalize(readme.get(key)));
    }
  }

  @Test
  void anUnsetPropertyLeavesTheLibraryDefault() {
    MeshProbe fromStarter = MeshProbes.create(new MeshProbeProperties());
    MeshProbe library = MeshProbe.builder().build();
    try {
      assertThat(fromStarter.waitTimeout()).isEqualTo(library.waitTimeout());
    } finally {
      fromStarter.close();
      library.close();
    }
  }

  /** Leaf properties of the bean tree that are {@code null} in a fresh instance, by their kebab-case key. */
  private static void collectUnset(String prefix, Object bean, Map<String, Object> out) throws Exception {
    BeanInfo info = Introspector.getBeanInfo(bean.getClass(), Object.class);
    for (PropertyDescriptor d : info.getPropertyDescriptors()) {
      if (d.getReadMethod() == null) {
        continue;
      }
      String key = prefix + "." + kebab(d.getName());
      Object value = d.getReadMethod().invoke(bean);
      Class<?> type = d.getPropertyType();
      if (type.getName().startsWith(MeshProbeProperties.class.getName() + "$") && !type.isEnum()) {
        collectUnset(key, value, out);
      } else if (value == null) {
        out.put(key, type);
      }
    }
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase();
  }

  private static Map<String, String> metadataDefaults() throws IOException {
    Map<String, String> out = new HashMap<>();
    try (InputStream in = MetadataDefaultsTest.class.getResourceAsStream("/META-INF/additional-spring-configuration-metadata.json")) {
      assertThat(in).isNotNull();
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> properties = (List<Map<String, Object>>) JsonParserFactory.getJsonParser().parseMap(json).get("properties");
      for (Map<String, Object> p : properties) {
        if (p.containsKey("defaultValue")) {
          out.put((String) p.get("name"), String.valueOf(p.get("defaultValue")));
        }
      }
    }
    return out;
  }

  private static Map<String, String> readmeDefaults() throws IOException {
    Path readme = Paths.get("..", "README.md");
    Map<String, String> out = new HashMap<>();
    List<String> rows = new ArrayList<>(Files.readAllLines(readme, StandardCharsets.UTF_8));
    for (String row : rows) {
      Matcher m = README_ROW.matcher(row);
      if (m.find()) {
        out.putIfAbsent(m.group(1), m.group(2));
      }
    }
    return out;
  }

  /** The README writes sizes as MiB, Spring's DataSize as MB (which Spring reads as 2^20 bytes). */
  private static String normalize(String value) {
    return value.replaceAll("(\\d+)MiB", "$1MB").replaceAll("(\\d+)KiB", "$1KB");
  }
}
