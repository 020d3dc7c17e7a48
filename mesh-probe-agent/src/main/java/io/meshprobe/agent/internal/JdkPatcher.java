package io.meshprobe.agent.internal;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.ref.WeakReference;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's only bytecode change: a call to a "JDK-only hook" at a few chosen places, with plain ASM
 * (relocated into the jar). Measured on this machine, Byte Buddy's {@code AgentBuilder} costs 0.6–0.8 s in
 * premain and even {@code new ByteBuddy().redefine()} about 0.55 s; this transformer costs a few tens of ms (the
 * lighter {@code Advice}-only form of Byte Buddy was measured too: see the agent README, "Instrumentation choice").
 *
 * <p>The exit and meter-registry hooks are branch-free, so no stack-map frames change:
 *
 * <pre>{@code
 * ((Function) System.getProperties().getOrDefault(KEY, Function.identity())).apply(argument);
 * }</pre>
 *
 * The gate's hooks ({@link #CONNECT}) hand over {@code new Object[] {site, this, arguments...}} and may answer: a
 * {@code Boolean} or a {@code Future} is then returned by the patched method without running its body, an
 * {@code Integer} replaces its {@code int} argument, anything else (also the array itself, which
 * {@code Function.identity()} gives when no hook is stored) lets the method run as it is (see {@link Gate} for
 * why each site answers what it does, and {@link PatchWriter} for the one stack-map frame this adds).
 *
 * <p>The injected code refers to JDK types only, so it links in {@code java.base} (and in Netty's class loader)
 * without appending anything to the bootstrap class path (which would print a VM warning and switch off CDS for
 * app classes; the agent README's opt-in fast attach line puts the whole jar there from the command line instead,
 * and the injected code stays the same). The hook object, a {@code java.util.function.Function} living in the agent's class loader, is
 * stored in the system properties under {@code KEY}, a key outside the {@code meshprobe.*} namespace that the
 * Spring starter binds; when the key is absent the call is {@code Function.identity()} and does nothing. Hooks
 * catch everything themselves, except the gate, which may deliberately delay a blocking connect.
 *
 * <table>
 *   <caption>Patched methods</caption>
 *   <tr><th>hook key</th><th>method</th><th>why</th></tr>
 *   <tr><td>{@value #CONNECT}</td><td>{@code Socket.connect(SocketAddress,int)}, {@code SocketChannelImpl.connect},
 *       {@code .blockingConnect} (the {@code socket().connect()} path since JDK 13), {@code .finishConnect},
 *       {@code .isConnectionPending}, {@code SelectionKeyImpl.interestOps(int)} and {@code .interestOpsOr},
 *       {@code UnixAsynchronousSocketChannelImpl.implConnect}, Netty's {@code AbstractEpollChannel.doConnect0} and
 *       {@code EpollSocketChannel.doConnect0} (also relocated copies such as gRPC's
 *       {@code io.grpc.netty.shaded.io.netty})</td><td>gate mode; the original bytes are restored when the gate
 *       opens</td></tr>
 *   <tr><td>{@value #EXIT}</td><td>{@code java.lang.Shutdown.exit(int)} (the status, boxed)</td><td>quit policy:
 *       exit status, signals</td></tr>
 *   <tr><td>{@value #METER_REGISTRY}</td><td>end of every {@code io.micrometer.core.instrument.MeterRegistry}
 *       constructor ({@code this})</td><td>metrics in every registry</td></tr>
 * </table>
 *
 * (The quit's wait for the app's other shutdown hooks needs no patch: {@link ShutdownHooks} holds the JDK's map of
 * them.)
 *
 * <p>Caveat of storing a non-String value in the system properties: {@code Properties.store}/{@code list} on
 * {@code System.getProperties()} would fail on it. The connect hook is removed as soon as the gate opens (after
 * the patched classes got their original bytes back); the others are only stored when needed (a mesh is present; a
 * sidecar the JVM may quit; Micrometer is being loaded) and can be switched off ({@code meshprobe.agent.metrics=false},
 * {@code meshprobe.quit=never}).
 */
final class JdkPatcher implements ClassFileTransformer {
  // Outside "meshprobe.*": the Spring starter binds that namespace (and /actuator/env lists it).
  static final String CONNECT = "io.meshprobe.agent.hook.connect";
  static final String EXIT = "io.meshprobe.agent.hook.exit";
  static final String METER_REGISTRY = "io.meshprobe.agent.hook.meter-registry";
  /** A plain string marker, set when the agent puts the meters into the app's Micrometer registries (the starter reads it). */
  static final String METERS_EXPORTED = "meshprobe.agent.meters";

  static final String SOCKET = "java/net/Socket";
  static final String SOCKET_CHANNEL = "sun/nio/ch/SocketChannelImpl";
  static final String ASYNC_CHANNEL = "sun/nio/ch/UnixAsynchronousSocketChannelImpl";
  static final String SELECTION_KEY = "sun/nio/ch/SelectionKeyImpl";
  /** The JDK classes of the gate, all loaded (and so patched) in premain. */
  static final String[] GATE_JDK = {SOCKET, SOCKET_CHANNEL, SELECTION_KEY, ASYNC_CHANNEL};
  /** Netty's epoll channels, matched by suffix so that relocated copies (gRPC's) are patched too. */
  static final String NETTY_EPOLL_CHANNEL = "io/netty/channel/epoll/AbstractEpollChannel";
  static final String NETTY_EPOLL_SOCKET_CHANNEL = "io/netty/channel/epoll/EpollSocketChannel";
  static final String SHUTDOWN = "java/lang/Shutdown";
  static final String REGISTRY = "io/micrometer/core/instrument/MeterRegistry";

  private volatile boolean gate;
  private volatile boolean exit;
  private volatile Object meterHook;
  private final Set<String> patched = ConcurrentHashMap.newKeySet();
  /** Gate-patched classes outside the JDK (Netty's), by class loader, to give them their bytes back. */
  private final Map<String, List<WeakReference<ClassLoader>>> gatePatchedElsewhere = new ConcurrentHashMap<>();

  void enableGate() {
    gate = true;
  }

  /**
   * Gives every gate-patched class its original bytes back: the transformer stops patching, and a retransform runs
   * every transformer again from the class file as loaded, so ours now leaves the class alone (other agents' changes
   * are kept). Later connects then pay nothing; a thread still inside a patched method finishes the old version.
   */
  void restoreGate(Instrumentation inst) {
    gate = false;
    // A set: another agent's retransform may have had a class patched, and recorded, twice.
    java.util.Set<Class<?>> classes = new java.util.LinkedHashSet<Class<?>>();
    for (String name : GATE_JDK) {
      if (patched.remove(name)) {
        try {
          classes.add(Class.forName(name.replace('/', '.'), false, null));
        } catch (Throwable t) {
          AgentLog.debug("cannot restore " + name + ": " + t);
        }
      }
    }
    for (Map.Entry<String, List<WeakReference<ClassLoader>>> e : gatePatchedElsewhere.entrySet()) {
      for (WeakReference<ClassLoader> ref : e.getValue()) {
        ClassLoader loader = ref.get();
        if (loader != null) {
          try {
            classes.add(Class.forName(e.getKey().replace('/', '.'), false, loader));
          } catch (Throwable t) {
            AgentLog.debug("cannot restore " + e.getKey() + ": " + t);
          }
        }
      }
    }
    gatePatchedElsewhere.clear();
    if (classes.isEmpty()) {
      return;
    }
    try {
      inst.retransformClasses(classes.toArray(new Class<?>[0]));
      AgentLog.debug("gate open: original bytes restored in " + classes.size() + " classes");
    } catch (Throwable t) {
      AgentLog.debug("could not restore the classes the gate patched (" + t + "); their hook stays, and passes every connect");
    }
  }

  void enableExit() {
    exit = true;
  }

  /**
   * Patches {@code MeterRegistry} when it loads, and only then stores {@code hook} in the system properties. Sets
   * {@value #METERS_EXPORTED} to {@code micrometer} at once, so that the Spring starter does not bind its own
   * {@code MeshProbeMetrics} into the same registries (the same meters twice).
   */
  void enableMetrics(Object hook) {
    meterHook = hook;
    System.setProperty(METERS_EXPORTED, "micrometer");
  }

  boolean isPatched(String internalName) {
    return patched.contains(internalName);
  }

  /**
   * Makes sure the named JDK classes are patched: loads each one (its first load goes through {@link #transform})
   * and retransforms, in one batch, those that were already loaded before the transformer was there. Loading
   * them all before retransforming also avoids the JDK 25 trap seen with Byte Buddy, where {@code Socket} was
   * left alone because it got loaded during another class's transformation.
   */
  void patchLoaded(Instrumentation inst, String... internalNames) throws Exception {
    List<Class<?>> again = new ArrayList<Class<?>>();
    for (String name : internalNames) {
      Class<?> c;
      try {
        c = Class.forName(name.replace('/', '.'), false, null);
      } catch (ClassNotFoundException e) {
        continue; // e.g. blockingConnect's class on an old JDK, or no Unix async channel
      }
      if (!patched.contains(name)) {
        again.add(c);
      }
    }
    if (!again.isEmpty()) {
      inst.retransformClasses(again.toArray(new Class<?>[0]));
    }
  }

  /**
   * Like {@link #patchLoaded} without loading anything: retransforms those of the named JDK classes that are loaded
   * already, and leaves the others to {@link #transform} on their first load. None of the gate's classes is loaded
   * when premain runs (JDK 17 and 25, seen with {@code -Xlog:class+load}), so the gate costs premain no class
   * loading and no ASM: the socket classes are patched when the agent's own first readiness poll loads them, on its
   * waiting thread, or by whatever loads them first. Nothing runs during a transformation that could load another
   * of them (the transformer works on bytes), so the JDK 25 trap of {@link #patchLoaded} does not apply.
   */
  void patchWhenLoaded(Instrumentation inst, String... internalNames) throws Exception {
    List<String> names = new ArrayList<String>();
    for (String n : internalNames) {
      names.add(n.replace('/', '.'));
    }
    List<Class<?>> again = new ArrayList<Class<?>>();
    for (Class<?> c : inst.getAllLoadedClasses()) {
      if (c.getClassLoader() == null && names.contains(c.getName()) && !patched.contains(c.getName().replace('.', '/'))) {
        again.add(c);
      }
    }
    if (!again.isEmpty()) {
      inst.retransformClasses(again.toArray(new Class<?>[0]));
    }
  }

  @Override
  public byte[] transform(
      ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
    if (className == null) {
      return null;
    }
    try {
      if (loader == null) {
        if (gate && isGateJdkClass(className)) {
          return patch(className, bytes, CONNECT);
        }
        if (exit && className.equals(SHUTDOWN)) {
          return patch(className, bytes, EXIT);
        }
      } else if (gate && isNettyEpoll(className)) {
        byte[] out = PatchWriter.patch(className, bytes, CONNECT);
        if (out != null) {
          List<WeakReference<ClassLoader>> loaders = gatePatchedElsewhere.get(className);
          if (loaders == null) {
            loaders = new java.util.concurrent.CopyOnWriteArrayList<WeakReference<ClassLoader>>();
            List<WeakReference<ClassLoader>> before = gatePatchedElsewhere.putIfAbsent(className, loaders);
            loaders = before == null ? loaders : before;
          }
          loaders.add(new WeakReference<ClassLoader>(loader));
          AgentLog.debug("patched " + className.replace('/', '.'));
        }
        return out;
      } else if (meterHook != null && className.equals(REGISTRY)) {
        System.getProperties().put(METER_REGISTRY, meterHook);
        return patch(className, bytes, METER_REGISTRY);
      }
    } catch (Throwable t) {
      // Out of memory (or another VM error): the app will say so itself; the agent stays quiet (debug line only).
      AgentLog.log(t instanceof VirtualMachineError ? AgentLog.DEBUG : AgentLog.WARN, "could not patch " + className.replace('/', '.') + ": " + t);
    }
    return null;
  }

  private byte[] patch(String className, byte[] bytes, String key) {
    // The ASM code lives in PatchWriter, so that this transformer links no ASM class until a patch is due.
    byte[] out = PatchWriter.patch(className, bytes, key);
    if (out == null) {
      return null;
    }
    patched.add(className);
    AgentLog.debug("patched " + className.replace('/', '.'));
    return out;
  }

  static boolean isGateJdkClass(String className) {
    for (String c : GATE_JDK) {
      if (c.equals(className)) {
        return true;
      }
    }
    return false;
  }

  static boolean isNettyEpoll(String className) {
    return endsWithClass(className, NETTY_EPOLL_CHANNEL) || endsWithClass(className, NETTY_EPOLL_SOCKET_CHANNEL);
  }

  /** {@code name} is {@code suffix}, or a relocated copy of it ({@code .../shaded/io/netty/...}). */
  private static boolean endsWithClass(String name, String suffix) {
    return name.endsWith(suffix) && (name.length() == suffix.length() || name.charAt(name.length() - suffix.length() - 1) == '/');
  }

  /** What the gate patches, and how ({@link #RUN}, {@link #RETURN}, {@link #REPLACE_INT}): one gate site. */
  static final class GateSite {
    /** The hook's answer is dropped: the site can only wait (blocking connects). */
    static final int RUN = 0;
    /** A {@code Boolean} answer (or a {@code Future}, for {@code implConnect}) is returned at once. */
    static final int RETURN = 1;
    /** An {@code Integer} answer replaces the {@code int} argument (the interest set of a selection key). */
    static final int REPLACE_INT = 2;

    final String site;
    final int answer;

    GateSite(String site, int answer) {
      this.site = site;
      this.answer = answer;
    }
  }

  /** The gate site of a method, or {@code null}: see {@link Gate} for what each site does. */
  static GateSite gateSite(String className, String name, String desc, boolean isStatic) {
    if (isStatic) {
      return null;
    }
    if (className.equals(SOCKET)) {
      return name.equals("connect") && desc.equals("(Ljava/net/SocketAddress;I)V") ? new GateSite(Gate.SOCKET, GateSite.RUN) : null;
    }
    if (className.equals(SOCKET_CHANNEL)) {
      if (name.equals("connect") && desc.equals("(Ljava/net/SocketAddress;)Z")) {
        return new GateSite(Gate.CHANNEL_CONNECT, GateSite.RETURN);
      }
      if (name.equals("blockingConnect") && desc.startsWith("(Ljava/net/SocketAddress;")) {
        return new GateSite(Gate.BLOCKING_CONNECT, GateSite.RUN);
      }
      if (name.equals("finishConnect") && desc.equals("()Z")) {
        return new GateSite(Gate.FINISH_CONNECT, GateSite.RETURN);
      }
      return name.equals("isConnectionPending") && desc.equals("()Z") ? new GateSite(Gate.CONNECTION_PENDING, GateSite.RETURN) : null;
    }
    if (className.equals(SELECTION_KEY)) {
      return (name.equals("interestOps") && desc.equals("(I)Ljava/nio/channels/SelectionKey;"))
              || (name.equals("interestOpsOr") && desc.equals("(I)I"))
          ? new GateSite(Gate.INTEREST_OPS, GateSite.REPLACE_INT)
          : null;
    }
    if (className.equals(ASYNC_CHANNEL)) {
      return name.equals("implConnect")
              && desc.equals("(Ljava/net/SocketAddress;Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)Ljava/util/concurrent/Future;")
          ? new GateSite(Gate.ASYNC_CONNECT, GateSite.RETURN)
          : null;
    }
    if (isNettyEpoll(className)) {
      return name.equals("doConnect0") && desc.equals("(Ljava/net/SocketAddress;)Z") ? new GateSite(Gate.NETTY_CONNECT, GateSite.RETURN) : null;
    }
    return null;
  }

  /** The local slot of the argument handed to the hook, or -1 when the method is not patched. */
  static int target(String className, String name, String desc, boolean isStatic) {
    if (className.equals(SHUTDOWN)) {
      return isStatic && name.equals("exit") && desc.equals("(I)V") ? 0 : -1;
    }
    return -1;
  }
}
