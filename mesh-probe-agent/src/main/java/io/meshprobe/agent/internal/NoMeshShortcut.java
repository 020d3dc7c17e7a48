package io.meshprobe.agent.internal;

import io.meshprobe.internal.Log;
import io.meshprobe.internal.MeshProbeKey;
import io.meshprobe.internal.ProcNetTcp;
import io.meshprobe.internal.Settings;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.nio.file.Paths;
import java.util.Set;
import java.util.function.Function;

/**
 * The common "no mesh at all" case (a developer machine, CI, a plain VM), decided in premain without building the
 * library's {@code MeshProbe}: loading and verifying its ~40 classes from the jar was most of the agent's start-up
 * cost there. It gives the verdict only when the library would give the same one at once (see
 * {@code io.meshprobe.internal.Detector}); in every other case the library decides:
 *
 * <ul>
 *   <li>{@code meshprobe.mesh} is {@code auto} (unset), {@code meshprobe.detect.window} is unset and
 *       {@code KUBERNETES_SERVICE_HOST} is not in the environment (so there is no detection window);
 *   <li>no Downward API file ({@code annotations}, {@code labels}) in {@code meshprobe.podinfo.dir};
 *   <li>no proxy URL is configured ({@code meshprobe.istio.*-url}, {@code envoy.admin-url},
 *       {@code linkerd.admin-url}), so only the default loopback ports can answer;
 *   <li>{@code /proc/net/tcp{,6}} can be read and none of those ports (15000, 15020, 15021, 4191, 19000, 9901)
 *       nor ztunnel's (15001, 15006, 15008) is in LISTEN state.
 * </ul>
 *
 * <p>It is the first thing the agent does after the premain class ({@link #start}), in a class of its own, so that
 * the JVM loads none of {@code AgentStarter}'s world for it. It reads only the keys above and
 * {@code meshprobe.agent.metrics}: without a mesh, a bad value of another key is not warned about (the full settings
 * are read, with their warnings, if the app ever loads Micrometer or the metrics endpoint is on).
 */
final class NoMeshShortcut {
  static final int[] PROXY_PORTS = {15000, 15020, 15021, 4191, 19000, 9901, 15001, 15006, 15008};
  private static final String[] MUST_BE_UNSET = {
    "meshprobe.detect.window",
    "meshprobe.istio.status-url",
    "meshprobe.istio.readiness-url",
    "meshprobe.istio.admin-url",
    "meshprobe.envoy.admin-url",
    "meshprobe.linkerd.admin-url"
  };

  private NoMeshShortcut() {}

  /**
   * Starts the agent's no-mesh mode when there is certainly no mesh: the meters (showing no proxy) still appear in
   * the app's registries and on the agent's endpoint, but the probe behind them is built on the metrics thread, and
   * only if the app ever loads Micrometer or the endpoint is on.
   *
   * @return whether there is no mesh (and so nothing more to start)
   */
  static boolean start(Instrumentation inst) {
    // First: the settings reader's warnings (a bad value, one line each) must reach stderr, not java.util.logging.
    Log.redirect(AgentLog.SINK);
    String reason = reason();
    if (reason == null) {
      return false;
    }
    AgentLog.debug("no mesh: " + reason);
    final MicrometerBridge.StateSource source =
        new MicrometerBridge.StateSource() {
          private AgentState state;

          @Override
          public synchronized AgentState get() {
            if (state == null) {
              state = AgentStarter.noMeshState();
            }
            return state;
          }
        };
    if (!AgentConfig.get(MetricsEndpoint.PORT, "").isEmpty()) { // a constant: MetricsEndpoint is not loaded here
      MetricsEndpoint.startInBackground(source);
    }
    if (!new Settings(Settings.Source.SYSTEM).bool(MeshProbeKey.AGENT_METRICS)) {
      return true;
    }
    JdkPatcher patcher = new JdkPatcher();
    patcher.enableMetrics(
        new Function<Object, Object>() {
          private MicrometerBridge bridge;

          @Override
          public synchronized Object apply(Object registry) {
            if (bridge == null) {
              bridge = new MicrometerBridge(source);
            }
            return bridge.apply(registry);
          }
        });
    inst.addTransformer(patcher, true);
    return true;
  }

  /** Why there is certainly no mesh, or {@code null} when the library has to look. */
  static String reason() {
    return reason(System.getenv("KUBERNETES_SERVICE_HOST"), "/proc/net");
  }

  static String reason(String kubernetesServiceHost, String procNet) {
    if (!AgentConfig.get("meshprobe.mesh", "auto").equalsIgnoreCase("auto") || kubernetesServiceHost != null) {
      return null;
    }
    for (String key : MUST_BE_UNSET) {
      if (!AgentConfig.get(key, "").isEmpty()) {
        return null;
      }
    }
    File pod = new File(AgentConfig.get("meshprobe.podinfo.dir", "/etc/podinfo"));
    if (new File(pod, "annotations").exists() || new File(pod, "labels").exists()) {
      return null;
    }
    Set<Integer> listening = new ProcNetTcp(Paths.get(procNet)).listeningPorts();
    if (listening == null) {
      return null;
    }
    for (int port : PROXY_PORTS) {
      if (listening.contains(port)) {
        return null;
      }
    }
    return "not in Kubernetes, no pod annotations, and no proxy port listens (" + procNet + "/tcp)";
  }
}
