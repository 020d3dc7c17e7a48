package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import java.nio.file.Paths;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
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
    MeshProbe.Builder b = MeshProbe.builder().enabled(p.isEnabled()).mesh(p.getMesh().type());
    // Only what is set: an unset property leaves the library's default (and its system-property / environment
    // reading) in charge, so a default changed in the library reaches Boot apps too.
    MeshProbeProperties.Wait wait = p.getWait();
    MeshProbeProperties.Quit quit = p.getQuit();
    set(p.getPodinfo().getDir(), dir -> b.podInfoDir(Paths.get(dir)));
    set(p.getDetect().getWindow(), b::detectWindow);
    set(wait.getTimeout(), b::waitTimeout);
    set(wait.getOnTimeout(), onTimeout -> b.failOnTimeout(onTimeout == MeshProbeProperties.OnTimeout.FAIL));
    set(wait.getInterval(), b::waitInterval);
    set(quit.getTimeout(), b::quitTimeout);
    set(quit.getPreflight(), b::quitPreflight);
    if (!quit.getExtraUrls().isEmpty()) {
      b.extraQuitUrls(quit.getExtraUrls());
    }
    set(p.getIstio().getStatusUrl(), b::istioStatusUrl);
    set(p.getIstio().getReadinessUrl(), b::istioReadinessUrl);
    set(p.getIstio().getAdminUrl(), b::istioAdminUrl);
    // An empty Envoy admin URL means "try the known ports", as unset does.
    set(emptyToNull(p.getEnvoy().getAdminUrl()), b::envoyAdminUrl);
    set(p.getLinkerd().getAdminUrl(), b::linkerdAdminUrl);
    set(p.getHttp().getTimeout(), b::httpTimeout);
    set(p.getHttp().getMaxBody(), size -> b.maxBody(size.toBytes()));
    set(p.getAdmin().getAllowRemote(), b::allowRemoteAdmin);
    set(p.getStatus().getRefresh(), b::statusRefresh);
    set(p.getProxy().getMemoryBudget(), size -> b.proxyMemoryBudget(size.toBytes()));
    if (!p.getPorts().isEmpty()) {
      b.ports(p.getPorts());
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // A bad value the binder could not catch (a non-loopback admin URL, an unknown meshprobe.mesh): reported by
      // MeshProbeSettingsFailureAnalyzer with the property's origin.
      throw new MeshProbeSettingsException(e.getMessage(), e);
    }
  }

  private static <T> void set(@Nullable T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }

  private static @Nullable String emptyToNull(@Nullable String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
