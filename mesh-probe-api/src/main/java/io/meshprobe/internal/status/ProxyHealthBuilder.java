package io.meshprobe.internal.status;

import io.meshprobe.internal.Results;
import io.meshprobe.status.ProxyHealth;
import io.meshprobe.status.Tristate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** Builds a {@link ProxyHealth} (its constructor is not API); get one from {@link Results#proxyHealth()}. */
public final class ProxyHealthBuilder {
  private Tristate controlPlaneConnected = Tristate.UNKNOWN;
  private @Nullable Instant lastConfigUpdate;
  private @Nullable Long configRejected;
  private final List<String> rejectedConfigs = new ArrayList<>();
  private @Nullable Long memoryBytes;
  private @Nullable Double cpuSeconds;
  private Tristate quitAvailable = Tristate.UNKNOWN;

  public ProxyHealthBuilder controlPlaneConnected(Tristate connected) {
    this.controlPlaneConnected = Objects.requireNonNull(connected, "connected");
    return this;
  }

  public ProxyHealthBuilder lastConfigUpdate(@Nullable Instant at) {
    this.lastConfigUpdate = at;
    return this;
  }

  public ProxyHealthBuilder configRejected(@Nullable Long count) {
    this.configRejected = count;
    return this;
  }

  public ProxyHealthBuilder rejectedConfig(String line) {
    rejectedConfigs.add(Objects.requireNonNull(line, "line"));
    return this;
  }

  public ProxyHealthBuilder memoryBytes(@Nullable Long bytes) {
    this.memoryBytes = bytes;
    return this;
  }

  public ProxyHealthBuilder cpuSeconds(@Nullable Double seconds) {
    this.cpuSeconds = seconds;
    return this;
  }

  public ProxyHealthBuilder quitAvailable(Tristate available) {
    this.quitAvailable = Objects.requireNonNull(available, "available");
    return this;
  }

  public ProxyHealth build() {
    return Results.statusAccess()
        .proxyHealth(controlPlaneConnected, lastConfigUpdate, configRejected, rejectedConfigs, memoryBytes, cpuSeconds, quitAvailable);
  }
}
