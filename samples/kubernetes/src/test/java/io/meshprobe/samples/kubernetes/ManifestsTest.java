package io.meshprobe.samples.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Parses every manifest and checks the fields mesh-probe relies on. */
class ManifestsTest {
  private static final Path DIR = Paths.get(System.getProperty("manifests.dir", "."));
  private static final Path ROOT = Paths.get(System.getProperty("repo.root", "../.."));
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AGENT_FILE = "mesh-probe-agent.jar";
  /** Where image/Dockerfile puts the agent (the image-layer way). */
  private static final String IMAGE_LAYER_AGENT = "/opt/mesh-probe/" + AGENT_FILE;
  private static final Pattern JAVAAGENT = Pattern.compile("-javaagent:(\\S+)");

  private static Set<String> knownEnv;

  @BeforeAll
  static void knownSettings() throws IOException {
    // Every meshprobe.* key the READMEs document (library table, agent settings), in environment form.
    knownEnv = new HashSet<>();
    Matcher m = Pattern.compile("meshprobe\\.[a-z][a-z.-]*[a-z]")
        .matcher(Files.readString(ROOT.resolve("README.md")) + Files.readString(ROOT.resolve("mesh-probe-agent/README.md")));
    while (m.find()) {
      knownEnv.add(m.group().toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    assertThat(knownEnv).contains("MESHPROBE_WAIT_TIMEOUT", "MESHPROBE_QUIT");
  }

  static Stream<Path> manifests() throws IOException {
    List<Path> all = new ArrayList<>();
    for (String mesh : List.of("istio", "linkerd")) {
      try (Stream<Path> files = Files.list(DIR.resolve(mesh))) {
        files.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(all::add);
      }
    }
    return all.stream();
  }

  static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(new YAMLFactory().createParser(file.toFile()))) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isEmpty()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  static JsonNode podTemplate(JsonNode workload) {
    switch (workload.path("kind").asText()) {
      case "CronJob":
        return workload.at("/spec/jobTemplate/spec/template");
      case "Job":
      case "Deployment":
        return workload.at("/spec/template");
      default:
        return null;
    }
  }

  @Test
  void eachMeshHasAJobACronJobAndADeploymentAndEveryWayToDeliverTheAgent() throws IOException {
    for (String mesh : List.of("istio", "linkerd")) {
      Set<String> kinds = new HashSet<>();
      Set<String> ways = new HashSet<>();
      for (Path file : manifests().filter(p -> p.getParent().getFileName().toString().equals(mesh)).toList()) {
        for (JsonNode doc : documents(file)) {
          JsonNode template = podTemplate(doc);
          if (template != null) {
            kinds.add(doc.path("kind").asText());
            ways.add(way(template.path("spec")));
          }
        }
      }
      assertThat(kinds).as(mesh).containsExactlyInAnyOrder("Job", "CronJob", "Deployment");
      assertThat(ways).as(mesh).containsExactlyInAnyOrder("init container", "image layer", "image volume");
    }
  }

  @ParameterizedTest
  @MethodSource("manifests")
  void everyWorkloadCarriesWhatMeshProbeReliesOn(Path file) throws IOException {
    String mesh = file.getParent().getFileName().toString();
    List<JsonNode> docs = documents(file);
    assertThat(docs).as(file.toString()).isNotEmpty();
    int workloads = 0;
    for (JsonNode doc : docs) {
      assertThat(doc.path("apiVersion").asText()).as(file + ": apiVersion").isNotEmpty();
      JsonNode template = podTemplate(doc);
      if (doc.path("kind").asText().equals("Service")) {
        checkService(file, doc);
      }
      if (template == null) {
        continue;
      }
      workloads++;
      String where = file.getFileName() + " " + doc.path("kind").asText() + "/" + doc.at("/metadata/name").asText();
      checkInjection(where, mesh, doc.path("kind").asText(), template.path("metadata"));
      JsonNode spec = template.path("spec");
      JsonNode app = spec.path("containers").get(0);
      assertThat(app).as(where + ": the app container").isNotNull();
      checkPodInfo(where, spec, app);
      checkAgent(where, spec, app);
      checkQuitPolicy(where, doc.path("kind").asText(), spec, app);
      checkScrape(where, doc.path("kind").asText(), template.path("metadata"), app);
    }
    assertThat(workloads).as(file + ": workloads").isPositive();
  }

  @Test
  void theAgentImagesPutTheJarWhereTheManifestsLookForIt() throws IOException {
    String layer = Files.readString(DIR.resolve("image/Dockerfile"));
    assertThat(layer).contains("COPY mesh-probe-agent-${AGENT_VERSION}.jar " + IMAGE_LAYER_AGENT);
    // Appends to the base image's JAVA_TOOL_OPTIONS instead of replacing it.
    assertThat(layer).contains("ENV JAVA_TOOL_OPTIONS=\"${JAVA_TOOL_OPTIONS} -javaagent:" + IMAGE_LAYER_AGENT + "\"");
    String init = Files.readString(DIR.resolve("image/agent.Dockerfile"));
    assertThat(init).contains("COPY mesh-probe-agent-${AGENT_VERSION}.jar /mesh-probe/" + AGENT_FILE);
  }

  private static void checkInjection(String where, String mesh, String kind, JsonNode meta) throws IOException {
    JsonNode labels = meta.path("labels");
    JsonNode annotations = meta.path("annotations");
    if (mesh.equals("istio")) {
      String inject = labels.path("sidecar.istio.io/inject").asText(annotations.path("sidecar.istio.io/inject").asText());
      assertThat(inject).as(where + ": sidecar.istio.io/inject on the pod template").isEqualTo("true");
      String config = annotations.path("proxy.istio.io/config").asText();
      assertThat(config).as(where + ": proxy.istio.io/config").isNotEmpty();
      assertThat(JSON.readTree(config).path("holdApplicationUntilProxyStarts").asBoolean())
          .as(where + ": holdApplicationUntilProxyStarts").isTrue();
      assertThat(annotations.has("linkerd.io/inject")).as(where).isFalse();
    } else {
      assertThat(annotations.path("linkerd.io/inject").asText()).as(where + ": linkerd.io/inject").isEqualTo("enabled");
      if (!kind.equals("Deployment")) {
        assertThat(annotations.path("config.linkerd.io/proxy-admin-shutdown").asText())
            .as(where + ": config.linkerd.io/proxy-admin-shutdown (off by default since 2024, else the Job hangs)")
            .isEqualTo("enabled");
      }
      assertThat(labels.has("sidecar.istio.io/inject")).as(where).isFalse();
    }
  }

  /** A Downward API volume with the pod's labels and annotations, mounted at /etc/podinfo in the app. */
  private static void checkPodInfo(String where, JsonNode spec, JsonNode app) {
    String volume = null;
    for (JsonNode v : spec.path("volumes")) {
      if (v.has("downwardAPI")) {
        Set<String> items = new HashSet<>();
        for (JsonNode item : v.at("/downwardAPI/items")) {
          items.add(item.path("path").asText() + "=" + item.at("/fieldRef/fieldPath").asText());
        }
        assertThat(items).as(where + ": Downward API items")
            .contains("labels=metadata.labels", "annotations=metadata.annotations");
        volume = v.path("name").asText();
      }
    }
    assertThat(volume).as(where + ": a downwardAPI volume").isNotNull();
    assertThat(mountPath(app, volume)).as(where + ": podinfo mount (meshprobe.podinfo.dir)").isEqualTo("/etc/podinfo");
  }

  /** How the manifest delivers the agent: init container, image volume, or (neither) baked into the app image. */
  private static String way(JsonNode spec) {
    if (initContainer(spec) != null) {
      return "init container";
    }
    for (JsonNode v : spec.path("volumes")) {
      if (v.has("image")) {
        return "image volume";
      }
    }
    return "image layer";
  }

  private static void checkAgent(String where, JsonNode spec, JsonNode app) {
    List<String> toolOptions = env(app, "JAVA_TOOL_OPTIONS");
    JsonNode init = initContainer(spec);
    if (way(spec).equals("image volume")) {
      checkImageVolume(where, spec, app, toolOptions);
      return;
    }
    if (init == null) {
      // Image layer: the image's ENV appends the agent; a value here would replace it.
      assertThat(toolOptions).as(where + ": JAVA_TOOL_OPTIONS must be left to the image").isEmpty();
      assertThat(app.path("image").asText()).as(where + ": an image built with image/Dockerfile").endsWith("-mesh-probe");
      return;
    }
    assertThat(toolOptions).as(where + ": JAVA_TOOL_OPTIONS set once").hasSize(1);
    String options = toolOptions.get(0);
    Matcher agent = JAVAAGENT.matcher(options);
    assertThat(agent.find()).as(where + ": -javaagent in " + options).isTrue();
    assertThat(options.trim()).as(where + ": the agent is appended, after the app's own options").endsWith(agent.group());
    assertThat(options.trim()).as(where + ": other options kept").isNotEqualTo(agent.group());
    Path jar = Paths.get(agent.group(1));
    assertThat(jar.getFileName().toString()).isEqualTo(AGENT_FILE);

    // The app mounts an emptyDir at the jar's directory, and the init container copies the jar into that volume.
    String volume = volumeMountedAt(app, jar.getParent().toString());
    assertThat(volume).as(where + ": a volume mounted at " + jar.getParent()).isNotNull();
    assertThat(volumeOf(spec, volume).has("emptyDir")).as(where + ": " + volume + " is an emptyDir").isTrue();
    String initMount = mountPath(init, volume);
    assertThat(initMount).as(where + ": the init container mounts " + volume).isNotNull();
    List<String> command = new ArrayList<>();
    init.path("command").forEach(c -> command.add(c.asText()));
    init.path("args").forEach(c -> command.add(c.asText()));
    assertThat(command).as(where + ": init container command").startsWith("cp", "/mesh-probe/" + AGENT_FILE)
        .contains(initMount + "/" + AGENT_FILE);
  }

  /**
   * The agent image (AgentImageIT checks its layout) mounted as a Kubernetes image volume: volumes[].image.reference
   * and pullPolicy, the image's directory that holds the jar as the mount's subPath, read-only, no init container.
   */
  private static void checkImageVolume(String where, JsonNode spec, JsonNode app, List<String> toolOptions) {
    assertThat(initContainer(spec)).as(where + ": an image volume needs no init container").isNull();
    String options = checkAppendedAgent(where, toolOptions);
    Matcher agent = JAVAAGENT.matcher(options);
    assertThat(agent.find()).isTrue();
    Path jar = Paths.get(agent.group(1));
    String volume = volumeMountedAt(app, jar.getParent().toString());
    assertThat(volume).as(where + ": a volume mounted at " + jar.getParent()).isNotNull();
    JsonNode image = volumeOf(spec, volume).path("image");
    assertThat(image.isObject()).as(where + ": " + volume + " is an image volume").isTrue();
    assertThat(image.fieldNames()).toIterable().as(where + ": ImageVolumeSource fields")
        .containsExactlyInAnyOrder("reference", "pullPolicy");
    assertThat(image.path("reference").asText()).as(where + ": the agent image (samples/kubernetes, Jib)")
        .matches("([a-z0-9.-]+(:[0-9]+)?/)?([a-z0-9._-]+/)*mesh-probe-agent:[A-Za-z0-9._-]+");
    assertThat(image.path("pullPolicy").asText()).as(where + ": pullPolicy").isEqualTo("IfNotPresent");
    JsonNode mount = mountOf(app, volume);
    assertThat(mount.path("readOnly").asBoolean()).as(where + ": image volumes are read-only").isTrue();
    // The mount's subPath plus the jar's name is where the image holds the jar.
    assertThat(mount.path("subPath").asText() + "/" + jar.getFileName()).as(where + ": subPath")
        .isEqualTo(AgentImageIT.JAR_PATH);
  }

  private static String checkAppendedAgent(String where, List<String> toolOptions) {
    assertThat(toolOptions).as(where + ": JAVA_TOOL_OPTIONS set once").hasSize(1);
    String options = toolOptions.get(0);
    Matcher agent = JAVAAGENT.matcher(options);
    assertThat(agent.find()).as(where + ": -javaagent in " + options).isTrue();
    assertThat(options.trim()).as(where + ": the agent is appended, after the app's own options").endsWith(agent.group());
    assertThat(options.trim()).as(where + ": other options kept").isNotEqualTo(agent.group());
    assertThat(Paths.get(agent.group(1)).getFileName().toString()).isEqualTo(AGENT_FILE);
    return options;
  }

  private static JsonNode mountOf(JsonNode container, String volume) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (m.path("name").asText().equals(volume)) {
        return m;
      }
    }
    return JSON.createObjectNode();
  }

  private static void checkQuitPolicy(String where, String kind, JsonNode spec, JsonNode app) {
    List<String> quit = env(app, "MESHPROBE_QUIT");
    for (JsonNode e : app.path("env")) {
      String name = e.path("name").asText();
      if (name.startsWith("MESHPROBE_")) {
        assertThat(knownEnv).as(where + ": " + name + " is a documented setting").contains(name);
      }
    }
    if (kind.equals("Deployment")) {
      assertThat(quit).as(where + ": a Deployment's proxy is the kubelet's to stop").containsExactly("never");
      assertThat(env(app, "MESHPROBE_QUIT_PREFLIGHT")).as(where + ": no quit, no quit check").containsExactly("false");
      return;
    }
    assertThat(quit).as(where + ": a Job must quit its proxy").doesNotContain("never");
    String restart = spec.path("restartPolicy").asText();
    assertThat(restart).as(where + ": restartPolicy").isIn("Never", "OnFailure");
    if (restart.equals("OnFailure")) {
      // The container restarts in the same pod: quitting the proxy on failure would leave the retry without it.
      assertThat(env(app, "MESHPROBE_QUIT_ON_FAILURE")).as(where).containsExactly("false");
    }
  }

  /**
   * A Deployment serves the meshprobe_* series on the agent's endpoint: MESHPROBE_AGENT_METRICS_PORT, a container port
   * of that number and the prometheus.io annotations pointing at it.
   */
  private static void checkScrape(String where, String kind, JsonNode meta, JsonNode app) {
    List<String> port = env(app, "MESHPROBE_AGENT_METRICS_PORT");
    if (!kind.equals("Deployment")) {
      return;
    }
    assertThat(port).as(where + ": MESHPROBE_AGENT_METRICS_PORT").hasSize(1);
    JsonNode annotations = meta.path("annotations");
    assertThat(annotations.path("prometheus.io/scrape").asText()).as(where + ": prometheus.io/scrape").isEqualTo("true");
    assertThat(annotations.path("prometheus.io/port").asText()).as(where + ": prometheus.io/port").isEqualTo(port.get(0));
    assertThat(annotations.path("prometheus.io/path").asText()).as(where + ": prometheus.io/path").isEqualTo("/metrics");
    List<String> ports = new ArrayList<>();
    app.path("ports").forEach(p -> ports.add(p.path("containerPort").asText()));
    assertThat(ports).as(where + ": container ports").contains(port.get(0));
  }

  /** Istio needs the protocol in the port name (http-, grpc-, tcp-...) or appProtocol; "web" means sniffing. */
  private static void checkService(Path file, JsonNode service) {
    Pattern protocol = Pattern.compile("^(http|http2|https|grpc|grpc-web|tcp|tls|mongo|mysql|redis|udp)(-.*)?$");
    for (JsonNode port : service.at("/spec/ports")) {
      boolean named = protocol.matcher(port.path("name").asText()).matches();
      assertThat(named || port.has("appProtocol")).as(file + ": Service port " + port).isTrue();
    }
  }

  private static JsonNode initContainer(JsonNode spec) {
    for (JsonNode c : spec.path("initContainers")) {
      if (c.path("name").asText().equals("mesh-probe-agent")) {
        return c;
      }
    }
    return null;
  }

  private static List<String> env(JsonNode container, String name) {
    List<String> values = new ArrayList<>();
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        values.add(e.path("value").asText());
      }
    }
    return values;
  }

  private static String mountPath(JsonNode container, String volume) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (m.path("name").asText().equals(volume)) {
        return m.path("mountPath").asText();
      }
    }
    return null;
  }

  private static String volumeMountedAt(JsonNode container, String path) {
    for (JsonNode m : container.path("volumeMounts")) {
      if (m.path("mountPath").asText().equals(path)) {
        return m.path("name").asText();
      }
    }
    return null;
  }

  private static JsonNode volumeOf(JsonNode spec, String name) {
    for (JsonNode v : spec.path("volumes")) {
      if (v.path("name").asText().equals(name)) {
        return v;
      }
    }
    return JSON.createObjectNode();
  }
}
