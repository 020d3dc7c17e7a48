package io.meshprobe.testkit.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The public API dump of a module, like Kotlin's binary-compatibility-validator or OkHttp's {@code apiDump}: every
 * public or protected class, constructor, method and field of the module's exported packages (all but
 * {@code .internal} ones), with generic signatures, one per line, sorted. A module's {@code PublicApiTest} renders it
 * into {@code target/api/<module>.api} and compares it with the checked-in {@code api/<module>.api}, so that every
 * change to the API is deliberate: {@code -Dmeshprobe.api.update=true} rewrites the checked-in file, the only case in
 * which a test writes outside {@code target/}.
 *
 * <p>Rendered by reflection, without initialising a class. Deterministic: types are written by their binary names
 * ({@code Outer$Inner}), modifiers in a fixed order, members sorted as text.
 */
public final class PublicApi {
  /** The system property that makes {@link #check} rewrite the checked-in dump instead of comparing with it. */
  public static final String UPDATE = "meshprobe.api.update";

  private PublicApi() {}

  /**
   * Checks the dump of the classes that {@code anchor} was loaded from (the module's {@code target/classes}) against
   * {@code <moduleDir>/api/<module>.api}; writes the current one to {@code <moduleDir>/target/api/<module>.api}.
   *
   * @return the current dump
   * @throws AssertionError when they differ, with each added and removed line and the command that regenerates it
   */
  public static String check(String module, Class<?> anchor) throws IOException {
    Path root = classesRoot(anchor);
    String dump = render(root, anchor.getClassLoader());
    Path moduleDir = Paths.get("").toAbsolutePath();
    Path current = moduleDir.resolve("target").resolve("api").resolve(module + ".api");
    Files.createDirectories(current.getParent());
    Files.write(current, dump.getBytes(StandardCharsets.UTF_8));
    Path checkedIn = moduleDir.resolve("api").resolve(module + ".api");
    if (Boolean.getBoolean(UPDATE)) {
      Files.createDirectories(checkedIn.getParent());
      Files.write(checkedIn, dump.getBytes(StandardCharsets.UTF_8));
      return dump;
    }
    String expected = Files.exists(checkedIn) ? new String(Files.readAllBytes(checkedIn), StandardCharsets.UTF_8) : "";
    if (!expected.equals(dump)) {
      throw new AssertionError(
          "The public API of "
              + module
              + " changed (api/"
              + module
              + ".api, now "
              + moduleDir.relativize(current)
              + "):\n"
              + diff(expected, dump)
              + "If the change is deliberate, regenerate the checked-in dump and commit it:\n  ./mvnw -pl "
              + module
              + " -am test -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false -D"
              + UPDATE
              + "=true\n");
    }
    return dump;
  }

  /** The directory or jar a class was loaded from: a module's {@code target/classes} in its own tests. */
  public static Path classesRoot(Class<?> anchor) {
    try {
      return Paths.get(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The dump of the exported classes under {@code root} (a class directory or a jar), loaded through {@code loader}. */
  public static String render(Path root, ClassLoader loader) throws IOException {
    TreeMap<String, Class<?>> classes = new TreeMap<>();
    for (Map.Entry<String, byte[]> file : classFiles(root).entrySet()) {
      String name = file.getKey();
      if (name.endsWith("package-info") || name.endsWith("module-info") || isInternal(name) || !publicInClassFile(file.getValue())) {
        continue; // not loaded at all: a package-private class may name types missing here (the starter's Boot 3.5 adapter)
      }
      Class<?> c;
      try {
        c = Class.forName(name, false, loader);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("cannot load " + name, e);
      }
      if (exported(c)) {
        classes.put(c.getName(), c);
      }
    }
    StringBuilder out = new StringBuilder();
    for (Class<?> c : classes.values()) {
      out.append(header(c)).append(" {\n");
      for (String member : members(c)) {
        out.append("  ").append(member).append('\n');
      }
      out.append("}\n\n");
    }
    return out.toString();
  }

  private static boolean isInternal(String className) {
    String pkg = className.lastIndexOf('.') < 0 ? "" : className.substring(0, className.lastIndexOf('.'));
    for (String part : pkg.split("\\.")) {
      if (part.equals("internal")) {
        return true;
      }
    }
    return false;
  }

  /** Class name to class file, for every class under {@code root}. */
  private static Map<String, byte[]> classFiles(Path root) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : walk.filter(f -> f.toString().endsWith(".class")).collect(Collectors.toList())) {
          String rel = root.relativize(p).toString().replace(File.separatorChar, '/');
          files.put(rel.substring(0, rel.length() - ".class".length()).replace('/', '.'), Files.readAllBytes(p));
        }
      }
    } else {
      try (ZipFile jar = new ZipFile(root.toFile())) {
        for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
          ZipEntry entry = e.nextElement();
          String n = entry.getName();
          if (n.endsWith(".class") && !n.startsWith("META-INF/")) {
            try (InputStream in = jar.getInputStream(entry)) {
              ByteArrayOutputStream bytes = new ByteArrayOutputStream();
              byte[] buf = new byte[8192];
              for (int r; (r = in.read(buf)) > 0; ) {
                bytes.write(buf, 0, r);
              }
              files.put(n.substring(0, n.length() - ".class".length()).replace('/', '.'), bytes.toByteArray());
            }
          }
        }
      }
    }
    return files;
  }

  /**
   * Whether the class file's own access flags have {@code ACC_PUBLIC} (JVMS 4.1), read past the constant pool. A
   * public or protected nested class has it; a package-private or private one does not.
   */
  static boolean publicInClassFile(byte[] b) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1: // Utf8
          in.skipBytes(in.readUnsignedShort());
          break;
        case 7: // Class
        case 8: // String
        case 16: // MethodType
        case 19: // Module
        case 20: // Package
          in.skipBytes(2);
          break;
        case 15: // MethodHandle
          in.skipBytes(3);
          break;
        case 3: // Integer
        case 4: // Float
        case 9: // Fieldref
        case 10: // Methodref
        case 11: // InterfaceMethodref
        case 12: // NameAndType
        case 17: // Dynamic
        case 18: // InvokeDynamic
          in.skipBytes(4);
          break;
        case 5: // Long
        case 6: // Double
          in.skipBytes(8);
          i++; // takes two entries
          break;
        default:
          throw new IOException("unknown constant pool tag " + tag);
      }
    }
    return (in.readUnsignedShort() & 0x0001) != 0;
  }

  /** Public (or protected inside an exported class), not synthetic, anonymous or local, and so is every enclosing class. */
  private static boolean exported(Class<?> c) {
    if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass()) {
      return false;
    }
    Class<?> outer = c.getDeclaringClass();
    if (outer == null) {
      return Modifier.isPublic(c.getModifiers());
    }
    return (Modifier.isPublic(c.getModifiers()) || Modifier.isProtected(c.getModifiers())) && exported(outer);
  }

  private static String header(Class<?> c) {
    int m = c.getModifiers();
    StringBuilder sb = new StringBuilder(visibility(m));
    String kind;
    if (c.isAnnotation()) {
      kind = "@interface";
    } else if (c.isInterface()) {
      kind = "interface";
    } else if (c.isEnum()) {
      kind = "enum";
    } else {
      kind = "class";
      if (Modifier.isAbstract(m)) {
        sb.append(" abstract");
      }
    }
    if (c.getDeclaringClass() != null && Modifier.isStatic(m) && !c.isInterface() && !c.isEnum()) {
      sb.append(" static");
    }
    if (Modifier.isFinal(m) && !c.isEnum()) {
      sb.append(" final");
    }
    sb.append(' ').append(kind).append(' ').append(c.getName()).append(typeParameters(c.getTypeParameters()));
    Type sup = c.getGenericSuperclass();
    if (sup != null && sup != Object.class && !c.isEnum()) {
      sb.append(" extends ").append(type(sup));
    }
    Type[] interfaces = c.getGenericInterfaces();
    if (interfaces.length > 0 && !c.isAnnotation()) {
      sb.append(c.isInterface() ? " extends " : " implements ");
      for (int i = 0; i < interfaces.length; i++) {
        sb.append(i == 0 ? "" : ", ").append(type(interfaces[i]));
      }
    }
    return sb.toString();
  }

  /**
   * The members, sorted: fields, constructors, methods. Only public and protected members are asked of the JVM for a
   * final class (so a non-public method whose types are missing from the class path, as the starter's Boot 3.5 adapter
   * has, does not stop the dump); protected ones matter only where a subclass can see them.
   */
  private static TreeSet<String> members(Class<?> c) {
    boolean extendable = !Modifier.isFinal(c.getModifiers()) && !c.isEnum() && !c.isInterface();
    List<Field> fields = new ArrayList<>();
    List<Executable> executables = new ArrayList<>();
    if (extendable) {
      addAll(fields, c.getDeclaredFields());
      addAll(executables, c.getDeclaredConstructors());
      addAll(executables, c.getDeclaredMethods());
    } else {
      for (Field f : c.getFields()) {
        if (f.getDeclaringClass() == c) {
          fields.add(f);
        }
      }
      addAll(executables, c.getConstructors());
      for (Method m : c.getMethods()) {
        if (m.getDeclaringClass() == c) {
          executables.add(m);
        }
      }
    }
    TreeSet<String> lines = new TreeSet<>();
    for (Field f : fields) {
      if (visible(f)) {
        lines.add("field " + modifiers(f.getModifiers(), false) + type(f.getGenericType()) + " " + f.getName());
      }
    }
    for (Executable e : executables) {
      if (!visible(e) || (e instanceof Method && ((Method) e).isBridge())) {
        continue;
      }
      StringBuilder sb = new StringBuilder();
      boolean method = e instanceof Method;
      sb.append(method ? "method " : "constructor ");
      int m = e.getModifiers();
      if (method && c.isInterface()) {
        m &= ~Modifier.ABSTRACT; // implied; "default" says the rest
      }
      sb.append(modifiers(m, method && ((Method) e).isDefault()));
      String typeParams = typeParameters(e.getTypeParameters());
      if (!typeParams.isEmpty()) {
        sb.append(typeParams).append(' ');
      }
      if (method) {
        sb.append(type(((Method) e).getGenericReturnType())).append(' ').append(e.getName());
      } else {
        sb.append(c.getSimpleName());
      }
      sb.append('(');
      Type[] params = e.getGenericParameterTypes();
      if (params.length != e.getParameterCount()) {
        params = e.getParameterTypes(); // inner-class constructors: the signature omits the implicit parameters
      }
      for (int i = 0; i < params.length; i++) {
        String t = type(params[i]);
        if (e.isVarArgs() && i == params.length - 1 && t.endsWith("[]")) {
          t = t.substring(0, t.length() - 2) + "...";
        }
        sb.append(i == 0 ? "" : ", ").append(t);
      }
      sb.append(')');
      Type[] thrown = e.getGenericExceptionTypes();
      for (int i = 0; i < thrown.length; i++) {
        sb.append(i == 0 ? " throws " : ", ").append(type(thrown[i]));
      }
      lines.add(sb.toString());
    }
    return lines;
  }

  private static <T> void addAll(List<? super T> list, T[] items) {
    for (T t : items) {
      list.add(t);
    }
  }

  private static boolean visible(Member m) {
    return !m.isSynthetic() && (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers()));
  }

  private static String visibility(int m) {
    return Modifier.isPublic(m) ? "public" : Modifier.isProtected(m) ? "protected" : "package-private";
  }

  /** Visibility, then {@code default}, {@code abstract}, {@code static}, {@code final}; each followed by a space. */
  private static String modifiers(int m, boolean isDefault) {
    StringBuilder sb = new StringBuilder(visibility(m)).append(' ');
    if (isDefault) {
      sb.append("default ");
    }
    if (Modifier.isAbstract(m)) {
      sb.append("abstract ");
    }
    if (Modifier.isStatic(m)) {
      sb.append("static ");
    }
    if (Modifier.isFinal(m)) {
      sb.append("final ");
    }
    return sb.toString();
  }

  private static String typeParameters(TypeVariable<?>[] vars) {
    if (vars.length == 0) {
      return "";
    }
    StringBuilder sb = new StringBuilder("<");
    for (int i = 0; i < vars.length; i++) {
      sb.append(i == 0 ? "" : ", ").append(vars[i].getName());
      Type[] bounds = vars[i].getBounds();
      if (!(bounds.length == 1 && bounds[0] == Object.class)) {
        for (int j = 0; j < bounds.length; j++) {
          sb.append(j == 0 ? " extends " : " & ").append(type(bounds[j]));
        }
      }
    }
    return sb.append('>').toString();
  }

  /** A type by binary names, with its type arguments. */
  static String type(Type t) {
    if (t instanceof Class) {
      Class<?> c = (Class<?>) t;
      return c.isArray() ? type(c.getComponentType()) + "[]" : c.getName();
    }
    if (t instanceof ParameterizedType) {
      ParameterizedType p = (ParameterizedType) t;
      StringBuilder sb = new StringBuilder(type(p.getRawType())).append('<');
      Type[] args = p.getActualTypeArguments();
      for (int i = 0; i < args.length; i++) {
        sb.append(i == 0 ? "" : ", ").append(type(args[i]));
      }
      return sb.append('>').toString();
    }
    if (t instanceof GenericArrayType) {
      return type(((GenericArrayType) t).getGenericComponentType()) + "[]";
    }
    if (t instanceof TypeVariable) {
      return ((TypeVariable<?>) t).getName();
    }
    if (t instanceof WildcardType) {
      WildcardType w = (WildcardType) t;
      if (w.getLowerBounds().length > 0) {
        return "? super " + type(w.getLowerBounds()[0]);
      }
      Type[] upper = w.getUpperBounds();
      return upper.length == 0 || upper[0] == Object.class ? "?" : "? extends " + type(upper[0]);
    }
    return t.getTypeName();
  }

  /** Per class: the class lines that went ({@code -}) and came ({@code +}). */
  static String diff(String expected, String actual) {
    Map<String, TreeSet<String>> before = parse(expected);
    Map<String, TreeSet<String>> after = parse(actual);
    TreeSet<String> headers = new TreeSet<>(before.keySet());
    headers.addAll(after.keySet());
    StringBuilder sb = new StringBuilder();
    for (String h : headers) {
      TreeSet<String> b = before.get(h);
      TreeSet<String> a = after.get(h);
      if (b == null) {
        sb.append("+ ").append(h).append('\n');
        continue;
      }
      if (a == null) {
        sb.append("- ").append(h).append('\n');
        continue;
      }
      StringBuilder lines = new StringBuilder();
      for (String line : b) {
        if (!a.contains(line)) {
          lines.append("  - ").append(line).append('\n');
        }
      }
      for (String line : a) {
        if (!b.contains(line)) {
          lines.append("  + ").append(line).append('\n');
        }
      }
      if (lines.length() > 0) {
        sb.append("  ").append(h).append('\n').append(lines);
      }
    }
    if (sb.length() == 0) {
      sb.append("  (the same lines in another order or layout)\n");
    }
    return sb.toString();
  }

  /** Class header (without the brace) to its member lines. */
  private static Map<String, TreeSet<String>> parse(String dump) {
    Map<String, TreeSet<String>> classes = new LinkedHashMap<>();
    TreeSet<String> current = null;
    for (String line : dump.split("\n", -1)) {
      if (line.endsWith(" {") && !line.startsWith(" ")) {
        current = new TreeSet<>();
        classes.put(line.substring(0, line.length() - 2), current);
      } else if (line.startsWith("  ") && current != null) {
        current.add(line.trim());
      }
    }
    return classes;
  }
}
