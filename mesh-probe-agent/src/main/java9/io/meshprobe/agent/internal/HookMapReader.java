package io.meshprobe.agent.internal;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Hands the agent the JDK's map of application shutdown hooks ({@code java.lang.ApplicationShutdownHooks.hooks}).
 * Compiled for Java 9 into {@code META-INF/versions/9} and never loaded by the app's class loader: {@code
 * ShutdownHooks} defines it in a class loader of its own, whose parent is the boot loader (so it sees JDK types
 * only), and this class then opens {@code java.lang} to that loader's unnamed module and to nothing else, so the app's
 * module, which the rest of the agent shares, never gets {@code java.lang} opened. No reflective call is needed to
 * reach it: its static initializer leaves an instance under {@link #KEY} in the system properties, which {@code
 * ShutdownHooks} takes out at once and calls through {@link Function}.
 */
public final class HookMapReader implements Function<Object, Object> {
  /** Where the instance waits, for a moment, to be taken. */
  public static final String KEY = "io.meshprobe.agent.hook-map-reader";

  static {
    System.getProperties().put(KEY, new HookMapReader());
  }

  private HookMapReader() {}

  /** Given the agent's {@link Instrumentation}: the live map, or the exception that kept it from being read. */
  @Override
  public Object apply(Object instrumentation) {
    try {
      Module own = HookMapReader.class.getModule();
      ((Instrumentation) instrumentation)
          .redefineModule(Object.class.getModule(), Set.of(), Map.of(), Map.of("java.lang", Set.of(own)), Set.of(), Map.of());
      Field hooks = Class.forName("java.lang.ApplicationShutdownHooks").getDeclaredField("hooks");
      hooks.setAccessible(true);
      return hooks.get(null);
    } catch (Exception | LinkageError e) {
      return e;
    }
  }
}
