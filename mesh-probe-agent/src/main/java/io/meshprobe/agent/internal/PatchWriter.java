package io.meshprobe.agent.internal;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/** The ASM half of {@link JdkPatcher}: loaded only when a class is actually patched (it pulls ASM in). */
final class PatchWriter {
  private PatchWriter() {}

  /** The patched class file, or {@code null} when no method of it is a target. */
  static byte[] patch(final String className, byte[] bytes, final String key) {
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    final boolean[] changed = {false};
    // Stack-map frames exist from class file version 50 on (JDK and Netty classes are 52+).
    final boolean frames = reader.readUnsignedShort(6) >= 50;
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
            MethodVisitor mv = super.visitMethod(access, name, desc, signature, exceptions);
            boolean isStatic = (access & Opcodes.ACC_STATIC) != 0;
            if (key.equals(JdkPatcher.METER_REGISTRY)) {
              if (name.equals("<init>")) {
                changed[0] = true;
                return new BeforeReturn(mv, key);
              }
              return mv;
            }
            if (key.equals(JdkPatcher.CONNECT)) {
              JdkPatcher.GateSite site = JdkPatcher.gateSite(className, name, desc, isStatic);
              if (site == null || !frames) {
                return mv;
              }
              changed[0] = true;
              return new GateEntry(mv, key, site, desc);
            }
            int slot = JdkPatcher.target(className, name, desc, isStatic);
            if (slot < 0) {
              return mv;
            }
            changed[0] = true;
            return new AtEntry(mv, key, slot, desc.startsWith("(I") && isStatic);
          }
        },
        0);
    if (!changed[0]) {
      return null;
    }
    return writer.toByteArray();
  }

  /** Emits {@code hook(KEY).apply(argument)} and drops the result; {@code loadArgument} pushes the argument. */
  static void emitHookCall(MethodVisitor mv, String key, Runnable loadArgument) {
    mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/System", "getProperties", "()Ljava/util/Properties;", false);
    mv.visitLdcInsn(key);
    mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/util/function/Function", "identity", "()Ljava/util/function/Function;", true);
    mv.visitMethodInsn(
        Opcodes.INVOKEVIRTUAL, "java/util/Properties", "getOrDefault", "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;", false);
    mv.visitTypeInsn(Opcodes.CHECKCAST, "java/util/function/Function");
    loadArgument.run();
    mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/util/function/Function", "apply", "(Ljava/lang/Object;)Ljava/lang/Object;", true);
    mv.visitInsn(Opcodes.POP);
  }

  /** Calls the hook first thing in the method, with one argument (an {@code int} is boxed). */
  private static final class AtEntry extends MethodVisitor {
    private final String key;
    private final int slot;
    private final boolean boxInt;

    AtEntry(MethodVisitor mv, String key, int slot, boolean boxInt) {
      super(Opcodes.ASM9, mv);
      this.key = key;
      this.slot = slot;
      this.boxInt = boxInt;
    }

    @Override
    public void visitCode() {
      super.visitCode();
      emitHookCall(
          mv,
          key,
          new Runnable() {
            @Override
            public void run() {
              if (boxInt) {
                mv.visitVarInsn(Opcodes.ILOAD, slot);
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Integer", "valueOf", "(I)Ljava/lang/Integer;", false);
              } else {
                mv.visitVarInsn(Opcodes.ALOAD, slot);
              }
            }
          });
    }
  }

  /**
   * The gate's entry code: {@code Object r = hook(KEY).apply(new Object[] {site, this, arguments...})} ({@code null}
   * without a hook), then, by the site's kind: drop {@code r}; or {@code if (r instanceof Boolean) return (Boolean) r}
   * ({@code Future} for a method that returns one); or {@code if (r instanceof Integer) argument1 = (Integer) r}.
   * Each branch target gets a frame with the method's initial locals and one object on the stack
   * ({@code F_SAME1}): nothing before it changed a local's type, so the method's own (delta-encoded) frames stay
   * valid after it, and the {@code POP} that follows the last one keeps it at an offset of its own even when the
   * original code starts with a frame.
   */
  private static final class GateEntry extends MethodVisitor {
    private final String key;
    private final JdkPatcher.GateSite site;
    private final Type[] args;
    private final Type returns;

    GateEntry(MethodVisitor mv, String key, JdkPatcher.GateSite site, String desc) {
      super(Opcodes.ASM9, mv);
      this.key = key;
      this.site = site;
      this.args = Type.getArgumentTypes(desc);
      this.returns = Type.getReturnType(desc);
    }

    @Override
    public void visitCode() {
      super.visitCode();
      // Object h = System.getProperties().get(KEY); Object r = h instanceof Function ? h.apply(array) : null;
      // (not Function.identity(): an interface's static method cannot be called from class files before version
      // 52, and Netty 4.1, e.g. gRPC's relocated copy, is compiled for Java 6.)
      Label noHook = new Label();
      Label called = new Label();
      mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/System", "getProperties", "()Ljava/util/Properties;", false);
      mv.visitLdcInsn(key);
      mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/util/Properties", "get", "(Ljava/lang/Object;)Ljava/lang/Object;", false);
      mv.visitInsn(Opcodes.DUP);
      mv.visitTypeInsn(Opcodes.INSTANCEOF, "java/util/function/Function");
      mv.visitJumpInsn(Opcodes.IFEQ, noHook);
      mv.visitTypeInsn(Opcodes.CHECKCAST, "java/util/function/Function");
      mv.visitLdcInsn(args.length + 2);
      mv.visitTypeInsn(Opcodes.ANEWARRAY, "java/lang/Object");
      store(0, new Runnable() {
        @Override
        public void run() {
          mv.visitLdcInsn(site.site);
        }
      });
      store(1, new Runnable() {
        @Override
        public void run() {
          mv.visitVarInsn(Opcodes.ALOAD, 0);
        }
      });
      int slot = 1;
      for (int i = 0; i < args.length; i++) {
        final Type t = args[i];
        final int s = slot;
        store(i + 2, new Runnable() {
          @Override
          public void run() {
            loadBoxed(t, s);
          }
        });
        slot += t.getSize();
      }
      mv.visitMethodInsn(Opcodes.INVOKEINTERFACE, "java/util/function/Function", "apply", "(Ljava/lang/Object;)Ljava/lang/Object;", true);
      mv.visitJumpInsn(Opcodes.GOTO, called);
      mv.visitLabel(noHook);
      mv.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/lang/Object"});
      mv.visitInsn(Opcodes.POP);
      mv.visitInsn(Opcodes.ACONST_NULL);
      mv.visitLabel(called);
      mv.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/lang/Object"});
      if (site.answer == JdkPatcher.GateSite.RUN) {
        mv.visitInsn(Opcodes.POP);
        return;
      }
      Label go = new Label();
      mv.visitInsn(Opcodes.DUP);
      if (site.answer == JdkPatcher.GateSite.REPLACE_INT) {
        mv.visitTypeInsn(Opcodes.INSTANCEOF, "java/lang/Integer");
        mv.visitJumpInsn(Opcodes.IFEQ, go);
        mv.visitInsn(Opcodes.DUP);
        mv.visitTypeInsn(Opcodes.CHECKCAST, "java/lang/Integer");
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Integer", "intValue", "()I", false);
        mv.visitVarInsn(Opcodes.ISTORE, 1);
      } else if (returns.getSort() == Type.BOOLEAN) {
        mv.visitTypeInsn(Opcodes.INSTANCEOF, "java/lang/Boolean");
        mv.visitJumpInsn(Opcodes.IFEQ, go);
        mv.visitTypeInsn(Opcodes.CHECKCAST, "java/lang/Boolean");
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Boolean", "booleanValue", "()Z", false);
        mv.visitInsn(Opcodes.IRETURN);
      } else {
        mv.visitTypeInsn(Opcodes.INSTANCEOF, returns.getInternalName());
        mv.visitJumpInsn(Opcodes.IFEQ, go);
        mv.visitTypeInsn(Opcodes.CHECKCAST, returns.getInternalName());
        mv.visitInsn(Opcodes.ARETURN);
      }
      mv.visitLabel(go);
      mv.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {"java/lang/Object"});
      mv.visitInsn(Opcodes.POP);
    }

    /** {@code array[index] = value}, with the array on the stack before and after. */
    private void store(int index, Runnable value) {
      mv.visitInsn(Opcodes.DUP);
      mv.visitLdcInsn(index);
      value.run();
      mv.visitInsn(Opcodes.AASTORE);
    }

    private void loadBoxed(Type t, int slot) {
      mv.visitVarInsn(t.getOpcode(Opcodes.ILOAD), slot);
      String box;
      switch (t.getSort()) {
        case Type.INT:
          box = "java/lang/Integer";
          break;
        case Type.LONG:
          box = "java/lang/Long";
          break;
        case Type.BOOLEAN:
          box = "java/lang/Boolean";
          break;
        case Type.OBJECT:
        case Type.ARRAY:
          return;
        default:
          throw new IllegalArgumentException("no gate site takes a " + t);
      }
      mv.visitMethodInsn(Opcodes.INVOKESTATIC, box, "valueOf", "(" + t.getDescriptor() + ")L" + box + ";", false);
    }
  }

  /** Calls the hook with {@code this} just before each {@code return} of a constructor. */
  private static final class BeforeReturn extends MethodVisitor {
    private final String key;

    BeforeReturn(MethodVisitor mv, String key) {
      super(Opcodes.ASM9, mv);
      this.key = key;
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode == Opcodes.RETURN) {
        emitHookCall(
            mv,
            key,
            new Runnable() {
              @Override
              public void run() {
                mv.visitVarInsn(Opcodes.ALOAD, 0);
              }
            });
      }
      super.visitInsn(opcode);
    }
  }
}
