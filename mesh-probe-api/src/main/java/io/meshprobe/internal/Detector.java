package io.meshprobe.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Finds the pod's mesh proxy. The rule, in order:
 *
 * <ol>
 *   <li>{@code meshprobe.enabled=false} or {@code meshprobe.mesh=...} other than {@code auto}: that is the verdict.
 *   <li>Downward API files ({@code meshprobe.podinfo.dir}): the injectors' annotations make the verdict
 *       certain at once ({@code sidecar.istio.io/status}, {@code linkerd.io/proxy-version},
 *       {@code ambient.istio.io/redirection}, Consul's and Kuma's injection marks). Without any of them the pod
 *       is not meshed, unless ztunnel's in-pod listeners show ambient mode.
 *   <li>Otherwise ask the local ports, every 10 ms: pilot-agent (15020) or Envoy's readiness listener (15021)
 *       answering means Istio; {@code :4191/live} answering {@code live} means Linkerd; an Envoy
 *       {@code /server_info} on 19000, 9901 or 15000 means an Envoy mesh; LISTEN sockets on 15001, 15006 and
 *       15008 in {@code /proc/net/tcp} with nothing on 15000, 15020 or 15021 mean Istio ambient.
 *   <li>At JVM start the proxy may not listen yet. Inside Kubernetes, "nothing answers" becomes "no mesh"
 *       only after {@code meshprobe.detect.window} (default 5 s); outside Kubernetes at once.
 *   <li>An Envoy admin port that answers {@code /server_info} with HTTP 2xx but whose body cannot be read in time
 *       (a loaded pod, a cold JVM) is never "no mesh": a proxy is there, its kind not yet known. Detection asks again
 *       until the caller's deadline (a wait's deadline), or, after the window, until that admin's {@code /ready} says
 *       {@code LIVE}; then it settles on an uncertain {@link MeshType#ENVOY} at that admin URL, so that the wait
 *       polls its readiness (and times out) instead of releasing the app to a proxy that is not ready.
 * </ol>
 *
 * <p>{@code /server_info} is read as a stream and only as far as the node's id and metadata: Envoy 1.40's answer is
 * about 124 kB (every compiled-in extension under {@code node.extensions}), of which detection needs the first 3 kB;
 * the rest is never read, and the connection is closed.
 */
public final class Detector {
  private static final long ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final int[] AMBIENT_PORTS = {15001, 15006, 15008};
  private static final int[] SIDECAR_PORTS = {15000, 15020, 15021};

  private final ProbeConfig config;
  private final AdminHttp http;
  private final ProcNetTcp proc;
  /** The Envoy admin URL that answered but could not be read in the latest round, and why; null when none. */
  private volatile @Nullable String unreadableAdmin;
  private volatile @Nullable String unreadableWhy;

  public Detector(ProbeConfig config, AdminHttp http) {
    this.config = config;
    this.http = http;
    this.proc = new ProcNetTcp(config.procNet);
  }

  /** Detects, waiting at most until {@code deadlineNanos} (a {@link System#nanoTime()} value) for a proxy to answer. */
  public Detection detect(long deadlineNanos) throws InterruptedException {
    if (!config.enabled) {
      return Results.detection(MeshType.NONE, Detection.Source.CONFIGURATION, "disabled by meshprobe.enabled=false").build();
    }
    if (config.mesh != null) {
      return configured(config.mesh);
    }
    PodInfo pod = PodInfo.read(config.podInfoDir);
    if (pod != null) {
      return fromPodInfo(pod);
    }
    long start = System.nanoTime();
    long windowEnd = config.inKubernetes ? start + config.detectWindow.toNanos() : start;
    if (deadlineNanos - windowEnd < 0) {
      windowEnd = deadlineNanos;
    }
    boolean told = false;
    while (true) {
      Detection found = probeOnce();
      if (found != null) {
        return found;
      }
      long now = System.nanoTime();
      String unreadable = unreadableAdmin;
      if (unreadable != null) {
        // A proxy answered but could not be read: never "no mesh"; ask again until the caller's deadline.
        if (now - deadlineNanos >= 0 || (now - windowEnd >= 0 && live(unreadable))) {
          // At the deadline, or once its own /ready (5 bytes) says LIVE: the wait's readiness check takes it from here.
          return unreadableEnvoy(unreadable, unreadableWhy);
        }
        if (!told && now - windowEnd >= 0) {
          told = true;
          Log.info(
              "the Envoy admin API at " + unreadable + " answered, but its /server_info could not be read in time ("
                  + unreadableWhy + ", meshprobe.http.timeout " + Durations.format(http.timeout())
                  + "): a proxy is there, asking again until the wait's deadline");
        }
        TimeUnit.NANOSECONDS.sleep(Math.max(0, Math.min(ROUND_NANOS, deadlineNanos - now)));
        continue;
      }
      if (now - windowEnd >= 0) {
        String why =
            config.inKubernetes
                ? "no proxy answered within " + Durations.format(config.detectWindow) + " (meshprobe.detect.window)"
                : "not in Kubernetes and no proxy answered";
        return Results.detection(MeshType.NONE, Detection.Source.NO_ANSWER, why).certain(false).build();
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(ROUND_NANOS, windowEnd - now));
    }
  }

  /** Whether Envoy's {@code /ready} at {@code admin} answers 200 {@code LIVE}. */
  private boolean live(String admin) {
    try {
      AdminHttp.Answer a = http.get(admin + "/ready");
      return a.ok() && a.body().startsWith("LIVE");
    } catch (IOException e) {
      return false;
    }
  }

  /** The verdict when an Envoy admin API answered but {@code /server_info} could not be read by the deadline. */
  static Detection unreadableEnvoy(String admin, @Nullable String why) {
    return Results.detection(
            MeshType.ENVOY,
            Detection.Source.PROXY_ANSWER,
            "an Envoy admin API answered on " + admin + " but its /server_info could not be read in time (" + why
                + "): a proxy is there, its kind and state unknown")
        .certain(false)
        .adminUrl(admin)
        .build();
  }

  /** If-else, not a switch over the enum: that would compile to a synthetic switch-map class, one more to load in premain. */
  private Detection configured(MeshType mesh) {
    String source = "configured: meshprobe.mesh";
    DetectionBuilder b = Results.detection(mesh, Detection.Source.CONFIGURATION, source);
    if (mesh == MeshType.ISTIO_SIDECAR) {
      b.adminUrl(config.istioAdminUrl);
    } else if (mesh == MeshType.LINKERD) {
      b.adminUrl(config.linkerdAdminUrl);
    } else if (mesh == MeshType.ENVOY) {
      b.adminUrl(config.envoyAdminUrl);
    }
    return b.build();
  }

  private Detection fromPodInfo(PodInfo pod) {
    Map<String, String> ann = pod.annotations();
    String istioStatus = ann.get("sidecar.istio.io/status");
    if (istioStatus != null) {
      return Results.detection(MeshType.ISTIO_SIDECAR, Detection.Source.POD_ANNOTATION, "pod annotation sidecar.istio.io/status")
          .nativeSidecar(NodeInfo.isNativeSidecarStatus(istioStatus))
          .adminUrl(config.istioAdminUrl)
          .build();
    }
    String linkerdVersion = ann.get("linkerd.io/proxy-version");
    if (linkerdVersion != null) {
      boolean nativeSidecar =
          "true".equals(ann.get("config.linkerd.io/proxy-enable-native-sidecar"))
              || "true".equals(ann.get("config.beta.linkerd.io/proxy-enable-native-sidecar"))
              || "true".equals(ann.get("config.alpha.linkerd.io/proxy-enable-native-sidecar"));
      return Results.detection(MeshType.LINKERD, Detection.Source.POD_ANNOTATION, "pod annotation linkerd.io/proxy-version")
          .version(linkerdVersion)
          .nativeSidecar(nativeSidecar)
          .adminUrl(config.linkerdAdminUrl)
          .build();
    }
    if ("enabled".equals(ann.get("ambient.istio.io/redirection"))
        || "ambient".equals(pod.labels().get("istio.io/dataplane-mode"))) {
      return Results.detection(MeshType.ISTIO_AMBIENT, Detection.Source.POD_ANNOTATION, "pod annotation ambient.istio.io/redirection").build();
    }
    if ("injected".equals(ann.get("consul.hashicorp.com/connect-inject-status"))) {
      return Results.detection(MeshType.ENVOY, Detection.Source.POD_ANNOTATION, "pod annotation consul.hashicorp.com/connect-inject-status")
          .mesh("consul")
          .adminUrl(config.envoyAdminUrl != null ? config.envoyAdminUrl : "http://127.0.0.1:19000")
          .build();
    }
    if ("true".equals(ann.get("kuma.io/sidecar-injected"))) {
      return Results.detection(MeshType.ENVOY, Detection.Source.POD_ANNOTATION, "pod annotation kuma.io/sidecar-injected")
          .mesh("kuma")
          .adminUrl(config.envoyAdminUrl != null ? config.envoyAdminUrl : "http://127.0.0.1:9901")
          .build();
    }
    // istio-cni writes the ambient annotation after the pod starts, and the kubelet refreshes the file later:
    // ztunnel's in-pod listeners are the quicker witness.
    Set<Integer> ports = proc.listeningPorts();
    if (ports != null && isAmbient(ports)) {
      return Results.detection(MeshType.ISTIO_AMBIENT, Detection.Source.LISTENING_SOCKETS, "ztunnel listeners 15001/15006/15008 in /proc/net/tcp").build();
    }
    return Results.detection(MeshType.NONE, Detection.Source.POD_ANNOTATION, "pod annotations (" + config.podInfoDir + ") show no mesh injection").build();
  }

  /** One round of asking the local ports; {@code null} when nothing answered yet. */
  public @Nullable Detection probeOnce() {
    unreadableAdmin = null;
    unreadableWhy = null;
    Set<Integer> ports = proc.listeningPorts();
    if (answers(config.istioStatusUrl + "/healthz/ready", ports)) {
      return Results.detection(MeshType.ISTIO_SIDECAR, Detection.Source.PROXY_ANSWER, "pilot-agent answered on " + config.istioStatusUrl)
          .adminUrl(config.istioAdminUrl)
          .build();
    }
    if (answers(config.istioReadinessUrl + "/healthz/ready", ports)) {
      return Results.detection(MeshType.ISTIO_SIDECAR, Detection.Source.PROXY_ANSWER, "Envoy readiness answered on " + config.istioReadinessUrl)
          .adminUrl(config.istioAdminUrl)
          .build();
    }
    if (mayListen(config.linkerdAdminUrl, ports)) {
      try {
        AdminHttp.Answer live = http.get(config.linkerdAdminUrl + "/live");
        if (live.body().startsWith("live")) {
          return Results.detection(MeshType.LINKERD, Detection.Source.PROXY_ANSWER, "linkerd-proxy answered on " + config.linkerdAdminUrl)
              .adminUrl(config.linkerdAdminUrl)
              .build();
        }
      } catch (IOException ignored) {
        // not listening yet
      }
    }
    for (String admin : envoyAdminCandidates()) {
      Detection envoy = envoyAt(admin, ports);
      if (envoy != null) {
        return envoy;
      }
    }
    if (ports != null && isAmbient(ports)) {
      return Results.detection(MeshType.ISTIO_AMBIENT, Detection.Source.LISTENING_SOCKETS, "ztunnel listeners 15001/15006/15008 in /proc/net/tcp").build();
    }
    return null;
  }

  List<String> envoyAdminCandidates() {
    List<String> list = new ArrayList<>(3);
    if (config.envoyAdminUrl != null) {
      list.add(config.envoyAdminUrl);
    } else {
      list.add("http://127.0.0.1:19000");
      list.add("http://127.0.0.1:9901");
      if (!config.istioAdminUrl.equals("http://127.0.0.1:15000")) {
        list.add("http://127.0.0.1:15000");
      }
      list.add(config.istioAdminUrl);
    }
    return list;
  }

  private @Nullable Detection envoyAt(String admin, @Nullable Set<Integer> ports) {
    if (!mayListen(admin, ports)) {
      return null;
    }
    NodeInfo node;
    boolean[] answered = {false};
    try {
      node = http.get(admin + "/server_info", http.timeout(), body -> serverInfo(body, answered));
    } catch (IOException e) {
      if (answered[0] && !(e instanceof JsonProcessingException) && unreadableAdmin == null) {
        // HTTP 2xx came, the body did not (in time, or whole): a proxy is there. (A body that came and is not JSON
        // is no Envoy's.)
        unreadableAdmin = admin;
        unreadableWhy = AdminHttp.describe(e);
      }
      return null;
    }
    if (node == null) {
      return null; // an answer that is not a JSON object: not an Envoy admin API
    }
    if (node.isIstioSidecar()) {
      return Results.detection(MeshType.ISTIO_SIDECAR, Detection.Source.PROXY_ANSWER, "Envoy /server_info on " + admin + " shows an Istio sidecar node")
          .version(node.istioVersion())
          .nativeSidecar(node.istioNativeSidecar())
          .adminUrl(admin)
          .build();
    }
    if (node.id() != null && node.id().startsWith("router~")) {
      // An Istio gateway, not a sidecar of this app: treat it as a plain Envoy.
      return Results.detection(MeshType.ENVOY, Detection.Source.PROXY_ANSWER, "Envoy /server_info on " + admin + " (Istio gateway node)")
          .mesh("istio")
          .version(node.istioVersion())
          .adminUrl(admin)
          .build();
    }
    return Results.detection(MeshType.ENVOY, Detection.Source.PROXY_ANSWER, "Envoy /server_info answered on " + admin)
        .mesh(envoyMesh(admin, node))
        .version(node.serverVersion())
        .adminUrl(admin)
        .build();
  }

  /**
   * Reads {@code /server_info} only as far as detection needs (the node's id and metadata, which Envoy writes before
   * the 120 kB of {@code node.extensions}); {@code null} when the body does not start as a JSON object.
   */
  private static @Nullable NodeInfo serverInfo(InputStream body, boolean[] answered) throws IOException {
    answered[0] = true;
    BufferedInputStream in = new BufferedInputStream(body, 4096);
    int c;
    do {
      in.mark(1);
      c = in.read();
    } while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
    if (c != '{') {
      return null;
    }
    in.reset();
    return NodeInfo.read(in);
  }

  /**
   * Tells generic Envoy meshes apart. App Mesh node ids are {@code mesh/<mesh>/virtualNode/<name>}; for the
   * others the admin port is the best hint (Consul 19000, OSM 15000, Kuma 9901). These are heuristics: a
   * wrong guess only changes the {@code mesh} tag, never the behaviour.
   */
  static String envoyMesh(String admin, NodeInfo node) {
    String id = node.id() == null ? "" : node.id().toLowerCase(Locale.ROOT);
    if (id.startsWith("mesh/") && (id.contains("/virtualnode/") || id.contains("/virtualgateway/"))) {
      return "appmesh";
    }
    for (String key : node.metadata().keySet()) {
      if (key.toLowerCase(Locale.ROOT).contains("kuma")) {
        return "kuma";
      }
    }
    int port = port(admin);
    if (port == 19000) {
      return "consul";
    }
    if (port == 15000) {
      return "osm";
    }
    if (port == 9901) {
      return "kuma";
    }
    return "envoy";
  }

  private boolean answers(String url, @Nullable Set<Integer> ports) {
    if (!mayListen(url, ports)) {
      return false;
    }
    try {
      http.get(url);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether a loopback URL's port is listening, per /proc; true when /proc cannot tell or the URL is not local. */
  private static boolean mayListen(String url, @Nullable Set<Integer> ports) {
    if (ports == null) {
      return true;
    }
    String lower = url.toLowerCase(Locale.ROOT);
    boolean loopback =
        lower.startsWith("http://127.") || lower.startsWith("http://localhost") || lower.startsWith("http://[::1]");
    return !loopback || ports.contains(port(url));
  }

  static int port(String url) {
    try {
      int p = java.net.URI.create(url).getPort();
      return p == -1 ? 80 : p;
    } catch (IllegalArgumentException e) {
      return -1;
    }
  }

  static boolean isAmbient(Set<Integer> ports) {
    for (int p : AMBIENT_PORTS) {
      if (!ports.contains(p)) {
        return false;
      }
    }
    for (int p : SIDECAR_PORTS) {
      if (ports.contains(p)) {
        return false;
      }
    }
    return true;
  }
}
