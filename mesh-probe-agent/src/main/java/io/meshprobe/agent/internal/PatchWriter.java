package io.meshprobe.agent.internal;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** The ASM half of {@link JdkPatcher}: loaded only when a class is actually patched (it pulls ASM in). */
final class PatchWriter {
  private PatchWriter() {}

  /** The patched class file, or {@code null} when no method of it is a target. */
  static byte[] patch(final String className, byte[] bytes, final String key) {
    ClassReader reader = new ClassReader(bytes);
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    final boolean[] changed = {false};
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
