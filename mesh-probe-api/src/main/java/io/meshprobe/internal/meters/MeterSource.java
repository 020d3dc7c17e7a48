package io.meshprobe.internal.meters;

import io.meshprobe.Detection;
import io.meshprobe.MeshProbe;
import io.meshprobe.MeshProbeListener;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitOutcome;
import io.meshprobe.WaitResult;
import io.meshprobe.status.MeshStatus;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * The probe's cached state as the meters read it. Never calls the proxy. Add it to the probe as a listener: it keeps
 * the first wait of each outcome (so the start-up wait stays visible after later background waits) and the latest
 * status snapshot, and tells its own listeners ({@link #onChange(Runnable)}) when the set of rows may have changed.
 */
public final class MeterSource implements MeshProbeListener {
  private final MeshProbe probe;
  private final boolean startStatus;
  private final Map<WaitOutcome, WaitResult> waits = new EnumMap<WaitOutcome, WaitResult>(WaitOutcome.class);
  private volatile @Nullable MeshStatus status;
  private final List<Runnable> changes = new CopyOnWriteArrayList<Runnable>();
  /** In a {@link #snapshot()} only: the probe's state, read once. */
  private final @Nullable Frozen frozen;

  /** What a snapshot answers with. */
  private static final class Frozen {
    final @Nullable Detection detection;
    final boolean ready;
    final @Nullable QuitResult quit;

    Frozen(@Nullable Detection detection, boolean ready, @Nullable QuitResult quit) {
      this.detection = detection;
      this.ready = ready;
      this.quit = quit;
    }
  }

  /**
   * @param startStatus whether reading the status may start the probe's background status refresh
   *     ({@link MeshProbe#status()}); {@code false} for the agent, which starts it itself after the wait
   */
  public MeterSource(MeshProbe probe, boolean startStatus) {
    this.probe = probe;
    this.startStatus = startStatus;
    this.frozen = null;
    WaitResult w = probe.lastWait();
    if (w != null) {
      waits.put(w.outcome(), w);
    }
  }

  private MeterSource(MeterSource live) {
    this.probe = live.probe;
    this.startStatus = false;
    this.status = live.status();
    this.frozen = new Frozen(live.detection(), live.isReady(), live.quit());
    for (WaitResult w : live.waits()) {
      waits.put(w.outcome(), w);
    }
  }

  /**
   * The state as it is now, each part read once: what one rendering of all the meters reads, so that its series agree
   * with each other (a status that arrives meanwhile shows in the next rendering, not in half of this one). Not a
   * listener; {@link #onChange} on it is never called.
   */
  public MeterSource snapshot() {
    return new MeterSource(this);
  }

  /** Runs {@code r} (on the probe's event thread) whenever a detection, wait, quit or status arrives. */
  public void onChange(Runnable r) {
    changes.add(r);
  }

  public MeshProbe probe() {
    return probe;
  }

  public @Nullable Detection detection() {
    Frozen f = frozen;
    return f != null ? f.detection : probe.lastDetection();
  }

  public boolean isReady() {
    Frozen f = frozen;
    return f != null ? f.ready : probe.isReady();
  }

  public @Nullable QuitResult quit() {
    Frozen f = frozen;
    return f != null ? f.quit : probe.lastQuit();
  }

  /** The first wait that ended with each outcome, in outcome order. */
  public List<WaitResult> waits() {
    synchronized (waits) {
      return new ArrayList<WaitResult>(waits.values());
    }
  }

  /**
   * The latest status snapshot, or {@code null} before the first one: the later of the probe's cache and the last
   * {@link #onStatus} (a listener hears of a snapshot before or after the cache holds it, depending on the path).
   */
  public @Nullable MeshStatus status() {
    MeshStatus heard = status;
    if (startStatus) {
      try {
        MeshStatus cached = probe.status();
        if (cached != null && (heard == null || !cached.takenAt().isBefore(heard.takenAt()))) {
          return cached;
        }
      } catch (IllegalStateException closed) {
        // the last one heard stays
      }
    }
    return heard;
  }

  @Override
  public void onDetected(Detection detection) {
    changed();
  }

  @Override
  public void onWaitFinished(WaitResult result) {
    synchronized (waits) {
      if (!waits.containsKey(result.outcome())) {
        waits.put(result.outcome(), result);
      }
    }
    changed();
  }

  @Override
  public void onQuit(QuitResult result) {
    changed();
  }

  @Override
  public void onStatus(MeshStatus snapshot) {
    status = snapshot;
    changed();
  }

  private void changed() {
    for (Runnable r : changes) {
      try {
        r.run();
      } catch (RuntimeException e) {
        // a sink's own failure is its business; the others still hear of the change
      }
    }
  }
}
