package io.meshprobe.agent.internal;

import io.meshprobe.internal.meters.MeterDef;
import io.meshprobe.internal.meters.MeterSync;
import java.lang.ref.WeakReference;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Registers the agent's {@code meshprobe.*} meters (the state of the agent's own probe) into the app's leaf
 * Micrometer registries, through the app's own Micrometer classes, without Micrometer in the agent. The meters are
 * the agent's; the registries, and so what is exported and where, are the app's.
 *
 * <p><b>Which registries.</b> {@link JdkPatcher} makes every {@code MeterRegistry} constructor call this hook with
 * the new registry ({@link JdkPatcher#METER_REGISTRY}), so the agent sees {@code Metrics.globalRegistry}, the
 * registries Spring Boot builds and any the app builds itself. The meters go only into the registries that
 * export, the <em>leaf</em> registries (Prometheus, OTLP, Simple, ...), once each. Composite registries
 * ({@code Metrics.globalRegistry}, Boot's composite) are views that forward their own meters to their members: a
 * meter put into a composite and into one of its members would be registered twice in that member, which
 * Micrometer 1.15+ reports as "This Gauge has been already registered". Leaves only, so no registry ever gets a
 * meter twice, whichever composites it joins and whenever; Boot's {@code /actuator/metrics} looks through
 * composites into their members and lists them.
 *
 * <p><b>One definition.</b> The meters are not declared here: the library's definition
 * ({@code io.meshprobe.internal.meters.MeterDefs}, JDK-only) says every meter's name, type, unit, description, tags
 * and rows, and the library's {@link MeterSync} keeps a registry equal to it (rows that appear are registered, rows
 * that go away are removed). {@code MeshProbeMetrics} runs the same {@code MeterSync} with Micrometer called
 * directly; here the {@link MeterSync.Registrar} is {@link Reflective}: one generic code path that calls the app's
 * own {@code Gauge.builder}, {@code TimeGauge.builder} or {@code FunctionCounter.builder}, {@code tags},
 * {@code description}, {@code baseUnit}, {@code strongReference} and {@code register}, found through the
 * registry's class loader. Only JDK types ({@code String}, {@code String[]}, {@code TimeUnit},
 * {@code ToDoubleFunction}) and the agent's own relocated objects (read only through that function) cross into the
 * app's Micrometer. So the agent jar contains no Micrometer, no class of the agent lands on the app's class path,
 * and the builder methods used exist in every Micrometer since 1.1.
 *
 * <p><b>When.</b> The hook runs at the end of {@code MeterRegistry}'s constructor, before the subclass's constructor
 * has set its own fields and configuration (a {@code PrometheusMeterRegistry} sets its naming convention there, and
 * names a meter at registration: one registered too early would lose its {@code _seconds}). So the registry is
 * synced on the daemon thread {@code mesh-probe-metrics} only once the thread that built it has left every
 * constructor of the registry's class hierarchy (its stack shows no such {@code <init>} frame), and again whenever
 * the probe reports a detection, wait, quit or status.
 */
final class MicrometerBridge implements Function<Object, Object> {
  private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final int MAX_TRIES = 100;
  private static final String COMPOSITE = "io.micrometer.core.instrument.composite.CompositeMeterRegistry";

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

  /** The agent's state changed: bring the meters of every registry up to date. */
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
    worker.setContextClassLoader(null);
    worker.start();
  }

  private void work() {
    try {
      state = source.get();
      state.meters()
          .onChange(
              new Runnable() {
                @Override
                public void run() {
                  changed();
                }
              });
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

  /** One registry and its meters. Only touched by the worker thread. */
  private final class Bound {
    private final WeakReference<Object> ref;
    private final WeakReference<Thread> builder = new WeakReference<Thread>(Thread.currentThread());
    private final long created = System.nanoTime();
    private MeterSync sync;
    private boolean composite;
    private int tries;

    Bound(Object registry) {
      this.ref = new WeakReference<Object>(registry);
    }

    boolean gone() {
      return composite || ref.get() == null || tries >= MAX_TRIES;
    }

    /** Brings the registry up to date; false if it must be tried again (or is gone, or is a composite). */
    boolean sync() {
      Object registry = ref.get();
      if (registry == null || composite || tries >= MAX_TRIES) {
        return false;
      }
      if (System.nanoTime() - created < SETTLE_NANOS) {
        return false;
      }
      try {
        if (sync == null && stillConstructing(registry, builder.get())) {
          return false; // not a try: the app's constructor is still running
        }
        if (sync == null) {
          if (isA(registry.getClass(), COMPOSITE)) {
            composite = true;
            return false;
          }
          sync = new MeterSync(state.meters(), new Reflective(registry));
        }
        if (sync.sync()) {
          tries = 0;
          return true;
        }
        tries++;
        if (tries >= MAX_TRIES) {
          AgentLog.debug("could not add meters to " + registry.getClass().getName() + ": " + sync.failure());
        }
        return false;
      } catch (Throwable t) {
        tries++;
        if (tries >= MAX_TRIES) {
          AgentLog.debug("could not add meters to " + registry.getClass().getName() + ": " + t);
        }
        return false;
      }
    }
  }

  /** Whether the thread that built the registry is still inside a constructor of the registry's class hierarchy. */
  static boolean stillConstructing(Object registry, Thread t) {
    if (t == null || !t.isAlive() || t == Thread.currentThread()) {
      return false;
    }
    java.util.Set<String> classes = new java.util.HashSet<String>();
    for (Class<?> c = registry.getClass(); c != null; c = c.getSuperclass()) {
      classes.add(c.getName());
    }
    for (StackTraceElement e : t.getStackTrace()) {
      if (e.getMethodName().equals("<init>") && classes.contains(e.getClassName())) {
        return true;
      }
    }
    return false;
  }

  private static boolean isA(Class<?> c, String name) {
    for (; c != null; c = c.getSuperclass()) {
      if (c.getName().equals(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Micrometer through reflection on the registry's own classes: the one code path for every meter of the
   * definition. Holds the registry weakly, so a registry the app drops can be collected.
   */
  static final class Reflective implements MeterSync.Registrar {
    private final WeakReference<Object> registry;
    private final Class<?> registryType;
    private final Method gaugeBuilder;
    private final Method timeGaugeBuilder;
    private final Method counterBuilder;
    private final Method remove;

    Reflective(Object registry) throws Exception {
      this.registry = new WeakReference<Object>(registry);
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
      remove = registryType.getMethod("remove", Class.forName("io.micrometer.core.instrument.Meter", false, cl));
    }

    @Override
    public Object register(MeterDef def, String[] tags, MeterSync.Cell cell) throws Exception {
      Object r = registry();
      Object b;
      switch (def.kind()) {
        case TIME_GAUGE:
          b = timeGaugeBuilder.invoke(null, def.name(), cell, TimeUnit.SECONDS, MeterSync.VALUE);
          break;
        case FUNCTION_COUNTER:
          b = counterBuilder.invoke(null, def.name(), cell, MeterSync.VALUE);
          break;
        default:
          b = gaugeBuilder.invoke(null, def.name(), cell, MeterSync.VALUE);
      }
      Class<?> type = b.getClass();
      type.getMethod("tags", String[].class).invoke(b, (Object) tags);
      type.getMethod("description", String.class).invoke(b, def.description());
      if (def.baseUnit() != null && def.kind() != MeterDef.Kind.TIME_GAUGE) {
        type.getMethod("baseUnit", String.class).invoke(b, def.baseUnit());
      }
      if (def.kind() != MeterDef.Kind.FUNCTION_COUNTER) {
        // Gauges hold their object weakly unless told; a function counter always does (MeterSync keeps the cell).
        type.getMethod("strongReference", boolean.class).invoke(b, true);
      }
      try {
        return type.getMethod("register", registryType).invoke(b, r);
      } catch (InvocationTargetException e) {
        Throwable cause = e.getCause();
        throw cause instanceof Exception ? (Exception) cause : e;
      }
    }

    @Override
    public void remove(Object meter) throws Exception {
      remove.invoke(registry(), meter);
    }

    private Object registry() {
      Object r = registry.get();
      if (r == null) {
        throw new IllegalStateException("registry collected");
      }
      return r;
    }
  }
}
