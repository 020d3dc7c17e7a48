package io.meshprobe.agent.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** The shutdown-hooks patch on this JDK's own {@code java.lang.ApplicationShutdownHooks} class file. */
class ShutdownHooksPatchTest {
  private static byte[] jdkClass() throws Exception {
    try (InputStream in = Object.class.getResourceAsStream("/java/lang/ApplicationShutdownHooks.class")) {
      assertThat(in).as("java.base's class file").isNotNull();
      return in.readAllBytes();
    }
  }

  /** The instructions of every method, one string each ({@code name desc: op op ...}). */
  private static List<String> code(byte[] bytes) {
    List<String> methods = new ArrayList<>();
    new ClassReader(bytes)
        .accept(
            new ClassVisitor(Opcodes.ASM9) {
              @Override
              public MethodVisitor visitMethod(int access, String name, String desc, String signature, String[] exceptions) {
                StringBuilder sb = new StringBuilder(name + desc + ":");
                methods.add(null);
                int index = methods.size() - 1;
                return new MethodVisitor(Opcodes.ASM9) {
                  @Override
                  public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                    sb.append(' ').append(owner).append('.').append(n);
                  }

                  @Override
                  public void visitFieldInsn(int opcode, String owner, String n, String d) {
                    sb.append(' ').append(opcode == Opcodes.GETSTATIC ? "getstatic " : "field ").append(owner).append('.').append(n);
                  }

                  @Override
                  public void visitLdcInsn(Object value) {
                    sb.append(" ldc ").append(value);
                  }

                  @Override
                  public void visitEnd() {
                    methods.set(index, sb.toString());
                  }
                };
              }
            },
            0);
    return methods;
  }

  @Test
  void runHooksHandsItsStaticMapToTheHookFirstAndNothingElseChanges() throws Exception {
    byte[] original = jdkClass();
    byte[] patched = PatchWriter.patch(JdkPatcher.APPLICATION_SHUTDOWN_HOOKS, original, JdkPatcher.SHUTDOWN_HOOKS);
    assertThat(patched).isNotNull();

    String hookCall =
        "runHooks()V: java/lang/System.getProperties ldc " + JdkPatcher.SHUTDOWN_HOOKS
            + " java/util/function/Function.identity java/util/Properties.getOrDefault"
            + " getstatic java/lang/ApplicationShutdownHooks.hooks java/util/function/Function.apply";
    List<String> before = code(original);
    List<String> after = code(patched);
    assertThat(after).hasSameSizeAs(before);
    for (int i = 0; i < before.size(); i++) {
      if (before.get(i).startsWith("runHooks()V:")) {
        assertThat(after.get(i)).isEqualTo(hookCall + before.get(i).substring("runHooks()V:".length()));
      } else {
        assertThat(after.get(i)).as("only runHooks changes").isEqualTo(before.get(i));
      }
    }
  }

  @Test
  void aClassWithoutTheStaticMapIsLeftAlone() throws Exception {
    // The same method under another class's bytes (no static "hooks" field): no patch, so the degrade path applies.
    ClassWriter w = new ClassWriter(0);
    w.visit(Opcodes.V1_8, Opcodes.ACC_SUPER, JdkPatcher.APPLICATION_SHUTDOWN_HOOKS, null, "java/lang/Object", null);
    MethodVisitor mv = w.visitMethod(Opcodes.ACC_STATIC, "runHooks", "()V", null, null);
    mv.visitCode();
    mv.visitInsn(Opcodes.RETURN);
    mv.visitMaxs(0, 0);
    mv.visitEnd();
    w.visitEnd();
    assertThat(PatchWriter.patch(JdkPatcher.APPLICATION_SHUTDOWN_HOOKS, w.toByteArray(), JdkPatcher.SHUTDOWN_HOOKS)).isNull();
  }
}
