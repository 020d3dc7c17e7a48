package io.meshprobe.internal.status;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The derivation's view of one Envoy listener. */
final class Listener {
  @Nullable String name;
  @Nullable String trafficDirection;
  @Nullable Integer port;
  final List<Chain> chains = new ArrayList<>();

  boolean isVirtualInbound() {
    return "virtualInbound".equals(name);
  }

  /**
   * An Istio ≤1.4 per-pod-IP inbound listener ({@code <podIP>_<port>}): named after an address and a port, and every
   * chain targets an {@code inbound|…} cluster or route.
   */
  boolean isPerIpInbound() {
    if (name == null || isVirtualInbound() || chains.isEmpty()) {
      return false;
    }
    int us = name.lastIndexOf('_');
    if (us <= 0 || us == name.length() - 1) {
      return false;
    }
    for (int i = us + 1; i < name.length(); i++) {
      if (!Character.isDigit(name.charAt(i))) {
        return false;
      }
    }
    char c = name.charAt(0);
    if (!(Character.isDigit(c) || c == '[' || Character.isLetter(c) && name.indexOf(':') >= 0)) {
      return false;
    }
    for (Chain ch : chains) {
      if (!ch.inboundTarget) {
        return false;
      }
    }
    return true;
  }

  /** The address part of {@code <addr>_<port>}. */
  @Nullable String address() {
    if (name == null) {
      return null;
    }
    int us = name.lastIndexOf('_');
    return us > 0 ? name.substring(0, us) : null;
  }
}
