package io.meshprobe.testkit.internal;

import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

import io.meshprobe.testkit.Personality;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;

/**
 * Answers the requests of one proxy personality, as OkHttp mockwebserver3's {@code Dispatcher} answers a
 * {@code MockWebServer}'s: one subclass per personality ({@link IstioDispatcher}, {@link EnvoyDispatcher},
 * {@link LinkerdDispatcher}), each serving the recorded payloads with the status codes and header style of the
 * real server on each port. The fake has already recorded the request and played any fault on it.
 */
public abstract class Dispatcher {

  /** What a dispatcher may ask of the fake it serves; lifecycle and the request journal stay the fake's. */
  public interface Host {
    /** A quit endpoint was called and answered: the fake stops soon (unless it lingers on quit). */
    void quit(String what);

    /** Writes one line of the fake's log. */
    void log(String message);

    /** {@link System#nanoTime()} when the ports last opened (uptime and update times derive from it). */
    long listeningSinceNanos();
  }

  static Set<String> paths(String... p) {
    return Collections.unmodifiableSet(new HashSet<String>(Arrays.asList(p)));
  }

  /** The dispatcher of {@code personality}, serving {@code scenario}. */
  public static Dispatcher of(Personality personality, Scenario scenario, Host host) {
    switch (personality) {
      case ISTIO:
        return new IstioDispatcher(scenario, host);
      case ENVOY:
        return new EnvoyDispatcher(scenario, EnvoyDispatcher.CONFIG_DUMP, false, host);
      default:
        return new LinkerdDispatcher(scenario, host);
    }
  }

  /**
   * The paths the server on {@code port} answers (anything else is its 404); a fault must name one of them.
   * A fact of the port, the same under every personality that has it.
   */
  public static Set<String> paths(SidecarPort port) {
    switch (port) {
      case ISTIO_STATUS:
        return IstioDispatcher.STATUS_PATHS;
      case ISTIO_READINESS:
        return IstioDispatcher.READINESS_PATHS;
      case ENVOY_ADMIN:
        return EnvoyDispatcher.PATHS;
      default:
        return LinkerdDispatcher.PATHS;
    }
  }

  /** Whose header conventions the server on {@code port} follows (also for the faults played there). */
  public static Response.Style style(SidecarPort port) {
    switch (port) {
      case ISTIO_STATUS:
        return Response.Style.GO;
      case ISTIO_READINESS:
        return Response.Style.ENVOY_ROUTE;
      case ENVOY_ADMIN:
        return Response.Style.ENVOY_ADMIN;
      default:
        return Response.Style.HYPER;
    }
  }

  /**
   * Answers one request that arrived on {@code port}.
   *
   * @param ready the readiness to report: the fake's, or a flapping fault's
   */
  public abstract void dispatch(SidecarPort port, RecordedRequest request, MiniHttpServer.Exchange exchange,
      boolean ready) throws IOException;

  /** Envoy: what {@code /stats} says about the control-plane connection from now on. Others ignore it. */
  public void setControlPlaneConnected(boolean connected) {
  }
}
