package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.status.MeshStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

/**
 * Adds {@code meshprobe} to {@code /actuator/info}: the mesh, the proxy and its version, and the workload's inbound
 * mTLS mode. Cached state only, no call to the proxy. Switch it off with {@code management.info.meshprobe.enabled=false}.
 */
final class MeshProbeInfoContributor implements InfoContributor {
  private final MeshProbe probe;

  MeshProbeInfoContributor(MeshProbe probe) {
    this.probe = probe;
  }

  @Override
  public void contribute(Info.Builder builder) {
    Map<String, Object> info = new LinkedHashMap<>();
    Detection d = probe.lastDetection();
    MeshStatus s = probe.status();
    info.put("mesh", d != null ? d.mesh() : s != null ? s.proxy().mesh() : "unknown");
    info.put("proxy", d != null ? d.proxy() : s != null ? s.proxy().kind().id() : "unknown");
    String version = s != null && s.proxy().version() != null ? s.proxy().version() : d != null ? d.version() : null;
    if (version != null) {
      info.put("version", version);
    }
    info.put("mtls", s != null ? s.mtls().name() : "UNKNOWN");
    builder.withDetail("meshprobe", info);
  }
}
