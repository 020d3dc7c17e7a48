package io.meshprobe.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import java.util.concurrent.Future;
import java.util.function.Function;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.pool.TypePool;

/**
 * BENCH ONLY (not built into the agent): the gate's JDK hooks written with Byte Buddy in its lightest form, for
 * the Byte Buddy measurement of issue 14 (see bytebuddy.sh and the agent README, "Instrumentation choice").
 * {@code Advice} classes applied from the agent's own plain {@code ClassFileTransformer} ({@link JdkPatcher}) through
 * {@code AsmVisitorWrapper.ForDeclaredMethods}: no {@code AgentBuilder}, no {@code ByteBuddy} DSL, no class
 * injection. It replaces {@code PatchWriter} in a copy of the shaded jar and hands the hook the same
 * {@code Object[] {site, this, arguments...}} as the ASM version, so {@link Gate} runs unchanged. Only the gate
 * sites patched in premain are here (the measured cost); the exit and meter patches answer null.
 */
final class PatchWriter {
  private PatchWriter() {}

  static byte[] patch(String className, byte[] bytes, String key) {
    if (!key.equals(JdkPatcher.CONNECT)) {
      return null;
    }
    AsmVisitorWrapper wrapper = wrapper(className);
    if (wrapper == null) {
      return null;
    }
    String name = className.replace('/', '.');
    ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, bytes), ClassFileLocator.ForClassLoader.ofBootLoader());
    TypePool pool = TypePool.Default.of(locator);
    TypeDescription type = pool.describe(name).resolve();
    int readerFlags = wrapper.mergeReader(0);
    int writerFlags = wrapper.mergeWriter(0);
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer = new ClassWriter(reader, writerFlags);
    Implementation.Context context =
        new Implementation.Context.Disabled(type, ClassFileVersion.ofClassFile(bytes), Implementation.Context.FrameGeneration.GENERATE) {};
    ClassVisitor cv = wrapper.wrap(type, writer, context, pool, type.getDeclaredFields(), type.getDeclaredMethods(), writerFlags, readerFlags);
    reader.accept(cv, readerFlags);
    return writer.toByteArray();
  }

  private static AsmVisitorWrapper wrapper(String className) {
    if (className.equals(JdkPatcher.SOCKET)) {
      return new AsmVisitorWrapper.ForDeclaredMethods()
          .method(named("connect").and(takesArguments(java.net.SocketAddress.class, int.class)), Advice.to(SocketConnect.class));
    }
    if (className.equals(JdkPatcher.SOCKET_CHANNEL)) {
      return new AsmVisitorWrapper.ForDeclaredMethods()
          .method(named("connect").and(takesArguments(java.net.SocketAddress.class)), Advice.to(ChannelConnect.class))
          .method(named("blockingConnect").and(takesArgument(0, java.net.SocketAddress.class)), Advice.to(BlockingConnect.class))
          .method(named("finishConnect").and(takesArguments(0)), Advice.to(FinishConnect.class))
          .method(named("isConnectionPending").and(takesArguments(0)), Advice.to(ConnectionPending.class));
    }
    if (className.equals(JdkPatcher.SELECTION_KEY)) {
      return new AsmVisitorWrapper.ForDeclaredMethods()
          .method(named("interestOps").and(takesArguments(int.class)), Advice.to(InterestOps.class))
          .method(named("interestOpsOr").and(takesArguments(int.class)), Advice.to(InterestOps.class));
    }
    if (className.equals(JdkPatcher.ASYNC_CHANNEL)) {
      return new AsmVisitorWrapper.ForDeclaredMethods().method(named("implConnect"), Advice.to(AsyncConnect.class));
    }
    return null;
  }

  // The advice bodies are copied into java.base: JDK types only. The key is a compile-time constant.
  static final String KEY = "io.meshprobe.agent.hook.connect";

  static final class SocketConnect {
    @Advice.OnMethodEnter
    @SuppressWarnings("unchecked")
    static void enter(@Advice.This Object self, @Advice.AllArguments Object[] args) {
      Object h = System.getProperties().get(KEY);
      if (h instanceof Function) {
        ((Function<Object, Object>) h).apply(new Object[] {"socket", self, args[0], args[1]});
      }
    }
  }

  static final class BlockingConnect {
    @Advice.OnMethodEnter
    @SuppressWarnings("unchecked")
    static void enter(@Advice.This Object self, @Advice.AllArguments Object[] args) {
      Object h = System.getProperties().get(KEY);
      if (h instanceof Function) {
        ((Function<Object, Object>) h).apply(new Object[] {"channel.blockingConnect", self, args[0], args[1]});
      }
    }
  }

  static final class ChannelConnect {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    @SuppressWarnings("unchecked")
    static Boolean enter(@Advice.This Object self, @Advice.Argument(0) Object address) {
      Object h = System.getProperties().get(KEY);
      Object r = h instanceof Function ? ((Function<Object, Object>) h).apply(new Object[] {"channel.connect", self, address}) : null;
      return r instanceof Boolean ? (Boolean) r : null;
    }

    @Advice.OnMethodExit
    static void exit(@Advice.Enter Boolean answer, @Advice.Return(readOnly = false) boolean result) {
      if (answer != null) {
        result = answer.booleanValue();
      }
    }
  }

  static final class FinishConnect {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    @SuppressWarnings("unchecked")
    static Boolean enter(@Advice.This Object self) {
      Object h = System.getProperties().get(KEY);
      Object r = h instanceof Function ? ((Function<Object, Object>) h).apply(new Object[] {"channel.finishConnect", self}) : null;
      return r instanceof Boolean ? (Boolean) r : null;
    }

    @Advice.OnMethodExit
    static void exit(@Advice.Enter Boolean answer, @Advice.Return(readOnly = false) boolean result) {
      if (answer != null) {
        result = answer.booleanValue();
      }
    }
  }

  static final class ConnectionPending {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    @SuppressWarnings("unchecked")
    static Boolean enter(@Advice.This Object self) {
      Object h = System.getProperties().get(KEY);
      Object r = h instanceof Function ? ((Function<Object, Object>) h).apply(new Object[] {"channel.isConnectionPending", self}) : null;
      return r instanceof Boolean ? (Boolean) r : null;
    }

    @Advice.OnMethodExit
    static void exit(@Advice.Enter Boolean answer, @Advice.Return(readOnly = false) boolean result) {
      if (answer != null) {
        result = answer.booleanValue();
      }
    }
  }

  static final class InterestOps {
    @Advice.OnMethodEnter
    @SuppressWarnings("unchecked")
    static void enter(@Advice.This Object self, @Advice.Argument(value = 0, readOnly = false) int ops) {
      Object h = System.getProperties().get(KEY);
      Object r = h instanceof Function ? ((Function<Object, Object>) h).apply(new Object[] {"key.interestOps", self, Integer.valueOf(ops)}) : null;
      if (r instanceof Integer) {
        ops = ((Integer) r).intValue();
      }
    }
  }

  static final class AsyncConnect {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    @SuppressWarnings("unchecked")
    static Future<?> enter(@Advice.This Object self, @Advice.AllArguments Object[] args) {
      Object h = System.getProperties().get(KEY);
      Object r = h instanceof Function ? ((Function<Object, Object>) h).apply(new Object[] {"async.connect", self, args[0], args[1], args[2]}) : null;
      return r instanceof Future ? (Future<?>) r : null;
    }

    @Advice.OnMethodExit
    static void exit(@Advice.Enter Future<?> answer, @Advice.Return(readOnly = false, typing = net.bytebuddy.implementation.bytecode.assign.Assigner.Typing.DYNAMIC) Object result) {
      if (answer != null) {
        result = answer;
      }
    }
  }
}
