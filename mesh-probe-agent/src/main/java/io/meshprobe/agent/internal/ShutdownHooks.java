package io.meshprobe.agent.internal;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Lets the agent's shutdown hook wait for every other application shutdown hook. The JDK runs those hooks
 * concurrently, with no order, from the map in the static field {@code java.lang.ApplicationShutdownHooks.hooks}: one
 * {@code IdentityHashMap}, created with the class and never replaced (the same field on Java 8 to 25), that {@code
 * runHooks()} iterates when shutdown starts after setting the field to {@code null}. The agent holds that same map
 * (read once a sidecar is known, see {@link Capture}), so every hook is seen, also those registered before premain
 * (another agent's) or after the read; at shutdown its hook joins every thread in the map but its own.
 *
 * <p>How the map is read without opening {@code java.lang} to the app: on Java 9 and later, {@code HookMapReader}, a
 * class compiled for Java 9 and kept in the jar under {@code META-INF/versions/9} ({@link #HOOK_MAP_READER}), is
 * defined in a class loader of the agent's own (parent: the boot loader) and opens {@code java.lang} to that loader's
 * unnamed module alone ({@code Instrumentation.redefineModule}), then reads the field. The app's module, which the
 * rest of the agent shares, is not touched: {@code Object.class.getModule().isOpen("java.lang",
 * App.class.getModule())} stays {@code false}, so libraries that try {@code setAccessible} and fall back when refused
 * behave as without the agent. On Java 8 (no modules) the agent reads the field itself. This replaced a patch of
 * {@code runHooks()} (ASM and a retransformation, ~11 ms more CPU in a cold JVM's start on JDK 17; the agent README,
 * "Ordering" under "Quit").
 *
 * <p>The read runs once a sidecar is known, on the agent's thread {@code mesh-probe-hooks}. That thread is not a
 * daemon: a {@code main} that returns before the map is held has the JVM wait for it. If anything fails (a JDK whose
 * class differs, a security manager that refuses), the quit does not wait for the other hooks (degrades to plain
 * ordering), with one debug line.
 */
final class ShutdownHooks {
  /** The class that reads the map on Java 9+, as a resource: only {@link #readMap} defines it, in its own loader. */
  static final String HOOK_MAP_READER = "/META-INF/versions/9/io/meshprobe/agent/internal/HookMapReader.class";
  /** Where {@code HookMapReader}'s static initializer leaves its instance: its {@code KEY}, the same string. */
  static final String HOOK_MAP_READER_KEY = "io.meshprobe.agent.hook-map-reader";

  /**
   * The read, done at most once, on the agent's thread {@code mesh-probe-hooks}: from the agent's start when the
   * configuration names a sidecar mesh ({@code meshprobe.mesh=istio|linkerd|envoy}, so that it runs while premain
   * builds the probe), else once a sidecar is detected. That thread is not a daemon: a {@code main} that returns before
   * the map is held has the JVM wait for it, so that the quit still waits for the app's hooks.
   */
  static class Capture implements Runnable {
    private final Instrumentation inst;
    private final AtomicBoolean started = new AtomicBoolean();
    private final Runnable then;
    private volatile ShutdownHooks hooks;

    /** {@code then}: work for a daemon thread that this one starts once the map is held, or {@code null}. */
    Capture(Instrumentation inst, Runnable then) {
      this.inst = inst;
      this.then = then;
    }

    /** Starts the read unless it was started before. */
    void start() {
      if (started.compareAndSet(false, true)) {
        Thread t = AgentStarter.daemon("mesh-probe-hooks", this);
        t.setDaemon(false);
        t.start();
      }
    }

    @Override
    public void run() {
      hooks = capture(inst);
      if (then != null) {
        // A daemon of its own: the JVM must not wait for it at exit the way it waits for the read.
        AgentStarter.daemon("mesh-probe-warm", then).start();
      }
    }

    /** The JDK's hook map, or {@code null} while it is not held (or could not be read). */
    ShutdownHooks hooks() {
      return hooks;
    }
  }

  /** The JDK's live hook map. */
  private final Map<?, ?> hooks;

  private ShutdownHooks(Map<?, ?> hooks) {
    this.hooks = hooks;
  }

  /** The JDK's hook map, held; or {@code null}, with a debug line, when it cannot be read. */
  static ShutdownHooks capture(Instrumentation inst) {
    try {
      Object map = System.getProperty("java.specification.version", "").startsWith("1.") ? readField() : readMap(inst);
      if (map instanceof Map) {
        AgentLog.debug("holding java.lang.ApplicationShutdownHooks' hook map: the quit waits for the other shutdown hooks");
        return new ShutdownHooks((Map<?, ?>) map);
      }
      AgentLog.debug("cannot see the other shutdown hooks (" + map + "); the quit will not wait for them");
    } catch (Throwable t) {
      AgentLog.debug("cannot see the other shutdown hooks (" + t + "); the quit will not wait for them");
    }
    return null;
  }

  /** Java 9+: through {@code HookMapReader} in a loader of its own; the map, or what kept it from being read. */
  private static Object readMap(Instrumentation inst) throws IOException, ReflectiveOperationException {
    byte[] bytes = resource(HOOK_MAP_READER);
    Class<?> reader = new OwnLoader().define(bytes);
    Class.forName(reader.getName(), true, reader.getClassLoader()); // its static initializer leaves the instance
    Object instance = System.getProperties().remove(HOOK_MAP_READER_KEY);
    if (!(instance instanceof Function)) {
      return "HookMapReader left no instance";
    }
    @SuppressWarnings("unchecked")
    Function<Object, Object> read = (Function<Object, Object>) instance;
    return read.apply(inst);
  }

  /** Java 8: no modules, the field is read here. */
  private static Object readField() throws ReflectiveOperationException {
    Field f = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
    f.setAccessible(true);
    return f.get(null);
  }

  /**
   * The bytes of an entry of the agent jar. From the jar file itself when the app's class loader loaded the agent: the
   * JDK shares the open jar's index with it, whereas a resource lookup by URL first sets up the JDK's module image
   * reader and a jar {@code URLConnection} (~3 ms on JDK 17, ~10 ms on 25 in a cold JVM). Through the class's
   * loader otherwise (the fast attach line's boot loader, which has no code source).
   */
  private static byte[] resource(String name) throws IOException {
    java.security.CodeSource source = ShutdownHooks.class.getProtectionDomain().getCodeSource();
    java.net.URL location = source == null ? null : source.getLocation();
    if (location != null && "file".equals(location.getProtocol()) && location.getPath().endsWith(".jar")) {
      try {
        JarFile jar = new JarFile(new File(location.toURI()), false);
        try {
          ZipEntry entry = jar.getEntry(name.substring(1));
          if (entry != null) {
            return readAll(jar.getInputStream(entry));
          }
        } finally {
          jar.close();
        }
      } catch (IOException | java.net.URISyntaxException | IllegalArgumentException e) {
        // the class's loader below
      }
    }
    InputStream in = ShutdownHooks.class.getResourceAsStream(name);
    if (in == null) {
      throw new IOException(name + " is not in the agent jar");
    }
    return readAll(in);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
      byte[] buf = new byte[2048];
      for (int n; (n = in.read(buf)) > 0; ) {
        out.write(buf, 0, n);
      }
      return out.toByteArray();
    } finally {
      in.close();
    }
  }

  /**
   * The class loader of {@code HookMapReader} alone; its parent is the boot loader. The class gets the agent's own
   * protection domain, so that under a security manager it has the permissions the agent was granted (its {@code
   * setAccessible} needs one), not those of a class with no code source.
   */
  private static final class OwnLoader extends ClassLoader {
    OwnLoader() {
      super(null);
    }

    Class<?> define(byte[] bytes) {
      return defineClass(null, bytes, 0, bytes.length, ShutdownHooks.class.getProtectionDomain());
    }
  }

  /**
   * Waits until every other hook thread has finished, or the deadline passes. Returns the names of the hooks
   * still running at the deadline.
   */
  List<String> awaitOthers(long deadlineNanos) throws InterruptedException {
    List<String> late = new ArrayList<String>();
    List<Thread> threads = new ArrayList<Thread>();
    // Read-only by now: this hook was started by runHooks(), after it set the field to null, so the JDK refuses new
    // hooks; and starting this thread made that write visible here.
    for (Object t : hooks.keySet()) {
      threads.add((Thread) t);
    }
    Thread self = Thread.currentThread();
    for (Thread t : threads) {
      if (t == self) {
        continue;
      }
      // The JDK starts the hooks one after the other: one may not be started yet.
      while (t.getState() == Thread.State.NEW && System.nanoTime() - deadlineNanos < 0) {
        Thread.sleep(1);
      }
      long left = deadlineNanos - System.nanoTime();
      if (left > 0) {
        TimeUnit.NANOSECONDS.timedJoin(t, left);
      }
      if (t.isAlive()) {
        late.add(t.getName());
      }
    }
    return late;
  }
}
