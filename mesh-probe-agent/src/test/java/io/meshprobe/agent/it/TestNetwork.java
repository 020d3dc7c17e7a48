package io.meshprobe.agent.it;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import org.junit.jupiter.api.Assumptions;

/** The network facts the agent's tests need. */
public final class TestNetwork {
  private TestNetwork() {}

  /**
   * An IPv4 address of this machine that is not loopback: a connect to it stays on the machine but is not loopback,
   * so the gate holds it. Aborts the test (skipped) on a machine without one.
   */
  public static InetAddress nonLoopbackAddress() throws Exception {
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!ni.isUp() || ni.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
          return a;
        }
      }
    }
    Assumptions.abort("no non-loopback IPv4 address on this machine");
    return null;
  }
}
