package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import java.nio.file.Paths;
import java.time.Duration;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/** Maps {@link MeshProbeProperties} onto {@link MeshProbe#builder()}: the public API only. */
final class MeshProbes {
  private MeshProbes() {}

  /** Binds {@code meshprobe.*} with Boot's binder, the same way {@code @EnableConfigurationProperties} does. */
  static MeshProbeProperties bind(Environment environment) {
    return Binder.get(environment)
        .bindOrCreate("meshprobe", Bindable.of(MeshProbeProperties.class), new QuitScalarBindHandler(BindHandler.DEFAULT));
  }

  static MeshProbe create(MeshProbeProperties p) {
    MeshProbe.Builder b =
        MeshProbe.builder()
            .enabled(p.isEnabled())
            .mesh(p.getMesh().type())
            .podInfoDir(Paths.get(p.getPodinfo().getDir()))
            .waitTimeout(p.getWait().getTimeout())
            .failOnTimeout(p.getWait().getOnTimeout() == MeshProbeProperties.OnTimeout.FAIL)
            .waitInterval(p.getWait().getInterval())
            .quitTimeout(p.getQuit().getTimeout())
            .extraQuitUrls(p.getQuit().getExtraUrls())
            .istioStatusUrl(p.getIstio().getStatusUrl())
            .istioReadinessUrl(p.getIstio().getReadinessUrl())
            .istioAdminUrl(p.getIstio().getAdminUrl())
            .linkerdAdminUrl(p.getLinkerd().getAdminUrl())
            .httpTimeout(p.getHttp().getTimeout())
            .maxBody(p.getHttp().getMaxBody().toBytes())
            .allowRemoteAdmin(p.getAdmin().isAllowRemote())
            .statusRefresh(p.getStatus().getRefresh())
            .proxyMemoryBudget(p.getProxy().getMemoryBudget().toBytes())
            .quitPreflight(p.getQuit().isPreflight());
    if (!p.getPorts().isEmpty()) {
      b.ports(p.getPorts());
    }
    // Left to the library when unset: an explicit window also applies outside Kubernetes, and an empty Envoy admin
    // URL means "try the known ports".
    Duration window = p.getDetect().getWindow();
    if (window != null) {
      b.detectWindow(window);
    }
    String envoy = p.getEnvoy().getAdminUrl();
    if (envoy != null && !envoy.isEmpty()) {
      b.envoyAdminUrl(envoy);
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // A bad value the binder could not catch (a non-loopback admin URL, an unknown meshprobe.mesh): reported by
      // MeshProbeSettingsFailureAnalyzer with the property's origin.
      throw new MeshProbeSettingsException(e.getMessage(), e);
    }
  }
}
