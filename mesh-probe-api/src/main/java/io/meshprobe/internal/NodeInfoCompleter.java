package io.meshprobe.internal;

import io.meshprobe.Detection;
import io.meshprobe.MeshType;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Completes an Istio verdict with the proxy's node metadata, read from Envoy's {@code /server_info}: the Istio version,
 * and whether the injector made the proxy a native sidecar ({@code sidecar.istio.io/status} lists istio-proxy among the
 * init containers). The probe reads it while a wait polls and, if that failed, once the proxy is ready (on the wait's {@code mesh-probe-wait-tail} thread) and, if that
 * has not happened yet, before a quit, because a native sidecar is not quit.
 *
 * <p>One read at a time: a quit that comes while the background read is in flight waits for it (at most half its
 * remaining time) instead of asking the proxy a second time. Holds no lock of the probe's across the call to the proxy,
 * and calls no listener: it returns the completed verdict, and the probe tells its listeners once this returned.
 */
public final class NodeInfoCompleter {
  /** The probe's verdict, as far as this class needs it. */
  public interface Verdict {
    /** The verdict to complete: an Istio sidecar's whose node metadata is not known yet; else {@code null}. */
    @Nullable Detection incomplete();

    /**
     * Records {@code completed} as the verdict (with the node metadata now known), unless the verdict changed or was
     * completed meanwhile. Must not call listeners.
     *
     * @return whether {@code completed} was recorded
     */
    boolean complete(Detection before, Detection completed);
  }

  private final AdminHttp http;
  private final String url;
  private final Verdict verdict;
  private final ReentrantLock lock = new ReentrantLock();

  public NodeInfoCompleter(ProbeConfig config, AdminHttp http, Verdict verdict) {
    this.http = http;
    this.url = config.istioAdminUrl + "/server_info";
    this.verdict = verdict;
  }

  /**
   * Reads the node metadata if it is still missing, waiting for a read in flight first. Interruptible: a thread
   * interrupted (by the probe's {@code close()}) while it waits for the lock gives up without asking the proxy.
   *
   * @return the completed verdict when it changed, for the caller to tell its listeners; else {@code null}
   */
  public @Nullable Detection complete() {
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    try {
      return read();
    } finally {
      lock.unlock();
    }
  }

  /**
   * The quit's read: waits for a read in flight at most half of the time left until {@code deadlineNanos}, so that the
   * quit itself keeps time for its POST; if the read is still busy then, the quit goes on with what is known.
   *
   * @return the completed verdict when it changed; else {@code null}
   */
  public @Nullable Detection complete(long deadlineNanos) {
    long wait = Math.max(0, (deadlineNanos - System.nanoTime()) / 2);
    try {
      if (!lock.tryLock(wait, TimeUnit.NANOSECONDS)) {
        Log.debug("quit: the Istio node metadata read is still running; quitting with what is known");
        return null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    try {
      return read();
    } finally {
      lock.unlock();
    }
  }

  private @Nullable Detection read() {
    Detection current = verdict.incomplete();
    if (current == null || current.type() != MeshType.ISTIO_SIDECAR || Thread.currentThread().isInterrupted()) {
      return null;
    }
    try {
      // Streamed, and read only up to the node's metadata: Envoy 1.40's answer is ~124 kB, the node ends at ~3 kB.
      NodeInfo node = http.get(url, http.timeout(), NodeInfo::read);
      Detection before = verdict.incomplete();
      if (before == null) {
        return null;
      }
      Detection completed = completed(before, node);
      return verdict.complete(before, completed) && !completed.equals(before) ? completed : null;
    } catch (IOException e) {
      Log.debug("could not read Istio node metadata from " + url + ": " + AdminHttp.describe(e));
      return null;
    }
  }

  /** {@code d} with the Istio version (when the node names one) and the native-sidecar flag of {@code node}. */
  static Detection completed(Detection d, NodeInfo node) {
    return DetectionBuilder.from(d).version(node.istioVersion() != null ? node.istioVersion() : d.version()).nativeSidecar(node.istioNativeSidecar()).build();
  }
}
