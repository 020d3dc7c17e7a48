package io.meshprobe.internal;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A probe's listeners and the one way they are called, in the manner of OkHttp's {@code EventListener}: on the thread
 * that produced the event, in the order they were added, with none of the probe's locks held (callers fire only after
 * releasing theirs), and each call guarded, so a listener that throws can neither break the probe nor keep the other
 * listeners from hearing the event. A failing listener is logged once, with its stack trace, at WARN; its later
 * failures are DEBUG lines, so a listener that fails on every poll does not flood the app's log.
 *
 * <p>Thread-safe: listeners may be added and removed while an event is delivered; such a listener may or may not
 * receive that event.
 *
 * @param <L> the listener type
 */
public final class Fanout<L> {
  /** One event, delivered to one listener. */
  public interface Event<L> {
    void deliver(L listener);
  }

  private final List<L> listeners = new CopyOnWriteArrayList<>();
  /** The listeners whose failure was logged at WARN already; by identity, whatever their {@code equals}. */
  private final Set<L> failed = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<L, Boolean>()));

  public void add(L listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public void remove(L listener) {
    listeners.remove(listener);
  }

  /**
   * Delivers {@code event} to every listener. Catches what a listener throws, except a {@link VirtualMachineError}
   * (out of memory, stack overflow), after which nothing the probe would do can be trusted anyway.
   *
   * @param name the event, for the log line ({@code "onDetected"})
   */
  public void fire(String name, Event<L> event) {
    for (L l : listeners) {
      try {
        event.deliver(l);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        if (failed.add(l)) {
          Log.warn("listener " + l + " threw in " + name + "; ignored (further failures of this listener are logged at debug level)", e);
        } else {
          Log.debug("listener " + l + " threw in " + name + " again: " + e);
        }
      }
    }
  }
}
