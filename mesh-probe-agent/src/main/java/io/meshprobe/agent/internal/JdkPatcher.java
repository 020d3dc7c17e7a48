package io.meshprobe.agent.internal;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's only bytecode change: a call to a "JDK-only hook" at a few chosen places, with plain ASM
 * (relocated into the jar). Measured on this machine, Byte Buddy's {@code AgentBuilder} costs 0.6–0.8 s in
 * premain and even {@code new ByteBuddy().redefine()} about 0.55 s; this transformer costs a few tens of ms.
 *
 * <p>The injected code is branch-free, so no stack-map frames change:
 *
 * <pre>{@code
 * ((Function) System.getProperties().getOrDefault(KEY, Function.identity())).apply(argument);
 * }</pre>
 *
 * It refers to JDK types only, so it links in {@code java.base} without appending anything to the bootstrap
 * class path (which would print a VM warning and switch off CDS for app classes). The hook object, a
 * {@code java.util.function.Function} living in the agent's class loader, is stored in the system properties
 * under {@code KEY}; when the key is absent the call is {@code Function.identity()} and does nothing. Hooks
 * catch everything themselves, except the gate, which may deliberately delay a connect.
 *
 * <table>
 *   <caption>Patched methods</caption>
 *   <tr><th>hook key</th><th>method (argument)</th><th>why</th></tr>
 *   <tr><td>{@value #CONNECT}</td><td>{@code Socket.connect(SocketAddress,int)}, {@code SocketChannelImpl.connect},
 *       {@code SocketChannelImpl.blockingConnect} (the {@code socket().connect()} path since JDK 13),
 *       {@code UnixAsynchronousSocketChannelImpl.implConnect} (the address)</td><td>gate mode</td></tr>
 *   <tr><td>{@value #EXIT}</td><td>{@code java.lang.Shutdown.exit(int)} (the status, boxed)</td><td>quit policy:
 *       exit status, signals</td></tr>
 *   <tr><td>{@value #METER_REGISTRY}</td><td>end of every {@code io.micrometer.core.instrument.MeterRegistry}
 *       constructor ({@code this})</td><td>metrics in every registry</td></tr>
 * </table>
 *
 * Caveat of storing a non-String value in the system properties: {@code Properties.store}/{@code list} on
 * {@code System.getProperties()} would fail on it. The connect hook is removed as soon as the gate opens; the
 * others are only stored when needed (a mesh is present; Micrometer is being loaded) and can be switched off
 * ({@code meshprobe.agent.metrics=false}, {@code meshprobe.quit=never}).
 */
final class JdkPatcher implements ClassFileTransformer {
  static final String CONNECT = "meshprobe.agent.hook.connect";
  static final String EXIT = "meshprobe.agent.hook.exit";
  static final String METER_REGISTRY = "meshprobe.agent.hook.meter-registry";
  /** Set when the agent puts the meters into the app's Micrometer registries. */
  static final String METERS_EXPORTED = "meshprobe.agent.meters";

  static final String SOCKET = "java/net/Socket";
  static final String SOCKET_CHANNEL = "sun/nio/ch/SocketChannelImpl";
  static final String ASYNC_CHANNEL = "sun/nio/ch/UnixAsynchronousSocketChannelImpl";
  static final String SHUTDOWN = "java/lang/Shutdown";
  static final String REGISTRY = "io/micrometer/core/instrument/MeterRegistry";

  private volatile boolean gate;
  private volatile boolean exit;
  private volatile Object meterHook;
  private final Set<String> patched = ConcurrentHashMap.newKeySet();

  void enableGate() {
    gate = true;
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

  @Override
  public byte[] transform(
      ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
    if (className == null) {
      return null;
    }
    try {
      if (loader == null) {
        if (gate && (className.equals(SOCKET) || className.equals(SOCKET_CHANNEL) || className.equals(ASYNC_CHANNEL))) {
          return patch(className, bytes, CONNECT);
        }
        if (exit && className.equals(SHUTDOWN)) {
          return patch(className, bytes, EXIT);
        }
      } else if (meterHook != null && className.equals(REGISTRY)) {
        System.getProperties().put(METER_REGISTRY, meterHook);
        return patch(className, bytes, METER_REGISTRY);
      }
    } catch (Throwable t) {
      AgentLog.warn("could not patch " + className.replace('/', '.') + ": " + t);
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

  /** The local slot of the argument handed to the hook, or -1 when the method is not patched. */
  static int target(String className, String name, String desc, boolean isStatic) {
    if (className.equals(SOCKET)) {
      return !isStatic && name.equals("connect") && desc.startsWith("(Ljava/net/SocketAddress;I)") ? 1 : -1;
    }
    if (className.equals(SOCKET_CHANNEL)) {
      return !isStatic && (name.equals("connect") || name.equals("blockingConnect")) && desc.startsWith("(Ljava/net/SocketAddress;")
          ? 1
          : -1;
    }
    if (className.equals(ASYNC_CHANNEL)) {
      return !isStatic && name.equals("implConnect") && desc.startsWith("(L") ? 1 : -1;
    }
    if (className.equals(SHUTDOWN)) {
      return isStatic && name.equals("exit") && desc.equals("(I)V") ? 0 : -1;
    }
    return -1;
  }
}
