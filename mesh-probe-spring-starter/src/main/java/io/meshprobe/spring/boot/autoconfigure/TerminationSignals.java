package io.meshprobe.spring.boot.autoconfigure;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Remembers whether the JVM was told to stop by a signal (SIGTERM from the kubelet, SIGINT, SIGHUP), which is the one
 * fact a shutdown hook cannot learn otherwise. Each handler records the signal and hands it on to the handler it
 * replaced (by default the JVM's own, which starts the shutdown), so the app's behaviour on signals is unchanged.
 *
 * <p>{@code sun.misc.Signal} lives in {@code jdk.unsupported}, open to every class path app from 9 to 25 without
 * flags. If a handler cannot be installed ({@code -Xrs}, a VM that reserves the signal) {@link #observable()} is false
 * and the quit rule falls back to the app type.
 */
final class TerminationSignals {
  private static final Log LOG = LogFactory.getLog(TerminationSignals.class);
  private static final String[] NAMES = {"TERM", "INT", "HUP"};
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();
  private static volatile boolean observable;
  private static volatile @Nullable String received;

  private TerminationSignals() {}

  /** Installs the handlers once per JVM. */
  static void install() {
    if (!INSTALLED.compareAndSet(false, true)) {
      return;
    }
    boolean all = true;
    for (String name : NAMES) {
      try {
        Signal signal = new Signal(name);
        Chained handler = new Chained();
        handler.previous = Signal.handle(signal, handler);
      } catch (RuntimeException | LinkageError e) {
        all = false;
        LOG.debug("mesh-probe: cannot observe SIG" + name + ": " + e);
      }
    }
    observable = all;
  }

  /** Whether every termination signal can be observed. */
  static boolean observable() {
    return observable;
  }

  /** The signal that started the shutdown, e.g. {@code "TERM"}, or {@code null}. */
  static @Nullable String received() {
    return received;
  }

  private static final class Chained implements SignalHandler {
    volatile SignalHandler previous = SignalHandler.SIG_DFL;

    @Override
    public void handle(Signal signal) {
      received = signal.getName();
      SignalHandler prev = previous;
      if (prev == SignalHandler.SIG_IGN) {
        return;
      }
      if (prev == SignalHandler.SIG_DFL) {
        // A native default cannot be called from Java: put it back and raise the signal again.
        Signal.handle(signal, SignalHandler.SIG_DFL);
        Signal.raise(signal);
        return;
      }
      prev.handle(signal);
    }
  }
}
