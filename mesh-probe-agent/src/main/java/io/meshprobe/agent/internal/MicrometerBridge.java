package io.meshprobe.agent.internal;

import io.meshprobe.Detection;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Puts the {@code meshprobe.*} meters into every Micrometer registry of the app, without Micrometer in the agent.
 *
 * <p>How: {@link JdkPatcher} makes every {@code MeterRegistry} constructor call this hook with the new registry
 * ({@link JdkPatcher#METER_REGISTRY}); that covers {@code Metrics.globalRegistry} (a composite registry built in
 * a static initialiser) and every registry the app or a framework builds itself. The agent jar contains no
 * Micrometer and no relocated copy (a relocated copy would publish into a registry nobody scrapes): the meters
 * are registered through reflection on the app's own Micrometer classes, found through the registry's class
 * loader, with only JDK functional types ({@code ToDoubleFunction}) crossing the boundary. So there is no
 * class-path clash and no version coupling beyond the long-stable builder methods ({@code Gauge.builder},
 * {@code TimeGauge.builder}, {@code FunctionCounter.builder}, {@code tags}, {@code description},
 * {@code register}).
 *
 * <p>The hook runs at the end of {@code MeterRegistry}'s constructor, before the subclass's own fields are set,
 * so binding happens shortly after, on the daemon thread {@code mesh-probe-metrics}, retried while the registry
 * is not usable yet. The meters are the library's ({@code MeshProbeMetrics}): {@code meshprobe.proxy.ready},
 * {@code meshprobe.proxy.info{mesh,proxy,version}}, {@code meshprobe.proxy.wait.time{mesh,outcome}},
 * {@code meshprobe.proxy.quit{mesh,outcome}}.
 */
final class MicrometerBridge implements Function<Object, Object> {
  private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final int MAX_TRIES = 100;

  /** Where the worker gets the agent's state the first time it runs (no mesh: built only if Micrometer loads). */
  interface StateSource {
    AgentState get();
  }

  private final StateSource source;
  /** Only touched by the worker thread. */
  private AgentState state;
  private final List<Bound> bound = new ArrayList<Bound>();
  private final LinkedBlockingQueue<Object> signals = new LinkedBlockingQueue<Object>();
  private Thread worker;

  MicrometerBridge(final AgentState state) {
    this(
        new StateSource() {
          @Override
          public AgentState get() {
            return state;
          }
        });
  }

  MicrometerBridge(StateSource source) {
    this.source = source;
  }

  /** Called from the patched constructor; never throws. */
  @Override
  public Object apply(Object registry) {
    try {
      signals.offer(new Bound(registry));
      startWorker();
    } catch (Throwable t) {
      AgentLog.debug("metrics hook failed: " + t);
    }
    return registry;
  }

  /** The agent's state changed: update the meters of every registry. */
  void changed() {
    signals.offer(Boolean.TRUE);
  }

  private synchronized void startWorker() {
    if (worker != null) {
      return;
    }
    worker =
        new Thread(
            new Runnable() {
              @Override
              public void run() {
                work();
              }
            },
            "mesh-probe-metrics");
    worker.setDaemon(true);
    worker.start();
  }

  private void work() {
    try {
      state = source.get();
    } catch (Throwable t) {
      AgentLog.debug("no meters: " + t);
      return;
    }
    try {
      boolean pending = false;
      while (true) {
        Object signal = pending ? signals.poll(SETTLE_NANOS, TimeUnit.NANOSECONDS) : signals.take();
        if (signal instanceof Bound) {
          bound.add((Bound) signal);
        }
        pending = false;
        for (int i = bound.size() - 1; i >= 0; i--) {
          Bound b = bound.get(i);
          if (!b.sync()) {
            if (b.gone()) {
              bound.remove(i);
            } else {
              pending = true;
            }
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One registry and what was put into it. Only touched by the worker thread. */
  private final class Bound {
    private final WeakReference<Object> ref;
    private final long created = System.nanoTime();
    private Meters meters;
    private int tries;
    private boolean ready;
    private String infoKey;
    private Object info;
    private boolean waitDone;
    private boolean quitDone;

    Bound(Object registry) {
      this.ref = new WeakReference<Object>(registry);
    }

    boolean gone() {
      return ref.get() == null || tries >= MAX_TRIES;
    }

    /** Brings the registry up to date; false if it must be tried again (or is gone). */
    boolean sync() {
      Object registry = ref.get();
      if (registry == null || tries >= MAX_TRIES) {
        return false;
      }
      if (System.nanoTime() - created < SETTLE_NANOS) {
        return false;
      }
      try {
        if (meters == null) {
          meters = new Meters(registry);
        }
        if (!ready) {
          meters.gauge(
              "meshprobe.proxy.ready",
              "1 when the mesh proxy was last seen ready, else 0",
              new ToDoubleFunction<AgentState>() {
                @Override
                public double applyAsDouble(AgentState s) {
                  return s.isReady() ? 1 : 0;
                }
              });
          ready = true;
        }
        Detection d = state.detection();
        if (d != null) {
          String version = d.version() == null ? "unknown" : d.version();
          String key = d.mesh() + "|" + d.proxy() + "|" + version;
          if (!key.equals(infoKey)) {
            if (info != null) {
              meters.remove(info);
            }
            info =
                meters.gauge(
                    "meshprobe.proxy.info",
                    "The pod's mesh proxy: always 1, the tags say which",
                    new ToDoubleFunction<AgentState>() {
                      @Override
                      public double applyAsDouble(AgentState s) {
                        return 1;
                      }
                    },
                    "mesh",
                    d.mesh(),
                    "proxy",
                    d.proxy(),
                    "version",
                    version);
            infoKey = key;
          }
        }
        final WaitResult w = state.waited();
        if (w != null && !waitDone) {
          meters.timeGauge(
              "meshprobe.proxy.wait.time",
              "How long the start-up wait for the mesh proxy took",
              new ToDoubleFunction<AgentState>() {
                @Override
                public double applyAsDouble(AgentState s) {
                  return w.waited().toNanos() / 1e9;
                }
              },
              "mesh",
              w.detection().mesh(),
              "outcome",
              w.outcome().name().toLowerCase(Locale.ROOT));
          waitDone = true;
        }
        QuitResult q = state.quit();
        if (q != null && !quitDone) {
          meters.counter(
              "meshprobe.proxy.quit",
              "Requests to the mesh proxy to quit, by outcome",
              "mesh",
              d == null ? "none" : d.mesh(),
              "outcome",
              q.outcome().name().toLowerCase(Locale.ROOT));
          quitDone = true;
        }
        return true;
      } catch (Throwable t) {
        tries++;
        if (tries >= MAX_TRIES) {
          AgentLog.debug("could not add meters to " + registry.getClass().getName() + ": " + t);
        }
        return false;
      }
    }
  }

  /** Micrometer through reflection, on the registry's own Micrometer classes. */
  private final class Meters {
    private final Object registry;
    private final Class<?> registryType;
    private final Method gaugeBuilder;
    private final Method timeGaugeBuilder;
    private final Method counterBuilder;

    Meters(Object registry) throws Exception {
      this.registry = registry;
      Class<?> c = registry.getClass();
      while (c != null && !c.getName().equals("io.micrometer.core.instrument.MeterRegistry")) {
        c = c.getSuperclass();
      }
      if (c == null) {
        throw new IllegalStateException("not a MeterRegistry: " + registry.getClass());
      }
      registryType = c;
      ClassLoader cl = c.getClassLoader();
      gaugeBuilder =
          Class.forName("io.micrometer.core.instrument.Gauge", false, cl).getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
      timeGaugeBuilder =
          Class.forName("io.micrometer.core.instrument.TimeGauge", false, cl)
              .getMethod("builder", String.class, Object.class, TimeUnit.class, ToDoubleFunction.class);
      counterBuilder =
          Class.forName("io.micrometer.core.instrument.FunctionCounter", false, cl)
              .getMethod("builder", String.class, Object.class, ToDoubleFunction.class);
    }

    Object gauge(String name, String description, ToDoubleFunction<AgentState> f, String... tags) throws Exception {
      return register(gaugeBuilder.invoke(null, name, state, f), description, true, tags);
    }

    Object timeGauge(String name, String description, ToDoubleFunction<AgentState> f, String... tags) throws Exception {
      return register(timeGaugeBuilder.invoke(null, name, state, TimeUnit.SECONDS, f), description, true, tags);
    }

    Object counter(String name, String description, String... tags) throws Exception {
      ToDoubleFunction<AgentState> one =
          new ToDoubleFunction<AgentState>() {
            @Override
            public double applyAsDouble(AgentState s) {
              return 1;
            }
          };
      return register(counterBuilder.invoke(null, name, state, one), description, true, tags);
    }

    private Object register(Object builder, String description, boolean strong, String... tags) throws Exception {
      Class<?> b = builder.getClass();
      b.getMethod("tags", String[].class).invoke(builder, (Object) tags);
      b.getMethod("description", String.class).invoke(builder, description);
      try {
        b.getMethod("strongReference", boolean.class).invoke(builder, strong);
      } catch (NoSuchMethodException old) {
        // Micrometer before 1.1: gauges hold the state object strongly through the agent anyway
      }
      return b.getMethod("register", registryType).invoke(builder, registry);
    }

    void remove(Object meter) throws Exception {
      registryType.getMethod("remove", Class.forName("io.micrometer.core.instrument.Meter", false, registryType.getClassLoader())).invoke(registry, meter);
    }
  }
}
