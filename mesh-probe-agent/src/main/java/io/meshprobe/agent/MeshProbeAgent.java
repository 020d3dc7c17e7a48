package io.meshprobe.agent;

import java.lang.instrument.Instrumentation;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The {@code Premain-Class} and {@code Agent-Class} of the mesh-probe agent jar.
 *
 * <p>This class is loaded into every JVM that {@code JAVA_TOOL_OPTIONS} reaches ({@code javac}, {@code jcmd},
 * Maven...), on any Java from 8 up. So it is compiled for Java 8, touches only JDK types, never throws, never
 * exits the JVM and writes nothing to stdout. In order it:
 *
 * <ol>
 *   <li>parses the agent arguments {@code key=value;key=value} (keys with or without the {@code meshprobe.}
 *       prefix); they win over system properties and are applied as system properties only if the agent
 *       goes on;
 *   <li>honours {@code meshprobe.enabled=false} (property, argument or {@code MESHPROBE_ENABLED});
 *   <li>skips JDK and build tools silently (see {@link #skipReason});
 *   <li>refuses a second install: the system property {@value #INSTALLED} is set to the agent's version when
 *       it goes on, and a second {@code -javaagent} that finds it prints one line and does nothing;
 *   <li>with {@code meshprobe.mesh=none} stops there: nothing to wait for or quit, decided without loading any other
 *       class of the agent (the other keys are not read, so a bad value of one is not reported either);
 *   <li>hands off, by class name, to {@code io.meshprobe.agent.internal.AgentStarter$Entry}.
 * </ol>
 *
 * Any failure prints one line starting {@code mesh-probe:} to stderr and the JVM starts as if there were no
 * agent.
 */
public final class MeshProbeAgent {
  /**
   * System property set when the agent is active in this JVM (value: the agent version). The Spring Boot
   * starter reads it and leaves the start-up wait and the quit to the agent.
   */
  public static final String INSTALLED = "meshprobe.agent.installed";

  /** Main classes (or their {@code module/} prefix) of JDK and build tools, which the agent never touches. */
  private static final String[] TOOL_PREFIXES = {
    "java.", "javax.", "jdk.", "sun.", "com.sun.tools.", "com.sun.jdi.", "com.sun.jarsigner.", "com.sun.javadoc.",
    "com.sun.btrace.", "openj9.", "com.ibm.", "org.codehaus.plexus.classworlds.", "org.apache.maven.wrapper.",
    "org.apache.maven.cli.", "org.gradle.", "worker.org.gradle.", "org.jetbrains.kotlin.", "org.jetbrains.jps.",
    "com.intellij.", "org.sonarsource.", "org.apache.tools.ant."
  };

  private static final String STARTER = "io.meshprobe.agent.internal.AgentStarter$Entry";

  private MeshProbeAgent() {}

  /** Entry point of {@code -javaagent:mesh-probe-agent.jar[=key=value;...]}. */
  public static void premain(String args, Instrumentation inst) {
    start(args, inst, false);
  }

  /** Entry point of dynamic attach: no start-up wait (the app already runs), quit, metrics and JMX as usual. */
  public static void agentmain(String args, Instrumentation inst) {
    start(args, inst, true);
  }

  private static void start(String args, Instrumentation inst, boolean attached) {
    try {
      Map<String, String> parsed = parseArgs(args);
      // Same rule as the library's Settings.bool; a value that is neither is the default (true), and the library's
      // settings reader says so in one WARN line once the agent goes on.
      if (Boolean.FALSE.equals(bool(setting(parsed, "meshprobe.enabled", "true")))) {
        return;
      }
      String skip = attached ? null : skipReason(parsed);
      if (skip != null) {
        if ("debug".equalsIgnoreCase(setting(parsed, "meshprobe.log.level", ""))) {
          System.err.println("mesh-probe: agent skipped: " + skip);
        }
        return;
      }
      String already = System.getProperty(INSTALLED);
      if (already != null) {
        System.err.println("mesh-probe: agent already installed (" + already + "); ignoring the second -javaagent");
        return;
      }
      for (Map.Entry<String, String> e : parsed.entrySet()) {
        System.setProperty(e.getKey(), e.getValue());
      }
      Package p = MeshProbeAgent.class.getPackage();
      String version = p == null ? null : p.getImplementationVersion();
      System.setProperty(INSTALLED, version == null ? "dev" : version);
      // The same rule as AgentConfig.meshNone (the library's settings reader, trimmed, any case); done here because
      // loading the agent's and the library's classes from the jar is the whole cost of this case.
      if ("none".equalsIgnoreCase(setting(parsed, "meshprobe.mesh", "auto"))) {
        if ("debug".equalsIgnoreCase(setting(parsed, "meshprobe.log.level", "")) || "trace".equalsIgnoreCase(setting(parsed, "meshprobe.log.level", ""))) {
          System.err.println("mesh-probe: meshprobe.mesh=none: nothing to wait for or quit");
        }
        return;
      }
      try {
        // By name, through a JDK interface: not Method.invoke, which since JDK 18 spins method-handle classes at first
        // use (for start's (Instrumentation, boolean) shape on JDK 25, ~25 classes outside the CDS archive, with the
        // ClassFile API: ~50 ms of CPU in a cold JVM); a no-argument constructor and an interface call spin nothing.
        @SuppressWarnings("unchecked")
        BiConsumer<Instrumentation, Boolean> starter =
            (BiConsumer<Instrumentation, Boolean>) Class.forName(STARTER, true, MeshProbeAgent.class.getClassLoader()).newInstance();
        starter.accept(inst, attached);
      } catch (Throwable t) {
        // Not running: the Spring starter must not leave the wait and the quit to an agent that is not there.
        System.clearProperty(INSTALLED);
        throw t;
      }
    } catch (Throwable t) {
      Throwable cause = t instanceof java.lang.reflect.UndeclaredThrowableException && t.getCause() != null ? t.getCause() : t;
      System.err.println("mesh-probe: agent not started, the app runs without it: " + shortly(cause));
    }
  }

  /**
   * Parses {@code key=value;key=value}. Keys without the {@code meshprobe.} prefix get it. Blank parts are
   * ignored; a part without {@code =} is one WARN line and is ignored too (settings degrade per key).
   */
  static Map<String, String> parseArgs(String args) {
    Map<String, String> map = new LinkedHashMap<String, String>();
    if (args == null) {
      return map;
    }
    for (String part : args.split(";")) {
      String item = part.trim();
      if (item.isEmpty()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0) {
        System.err.println("mesh-probe: agent argument '" + item + "' is not key=value (separate pairs with ';'); ignored");
        continue;
      }
      String key = item.substring(0, eq).trim();
      map.put(key.startsWith("meshprobe.") ? key : "meshprobe." + key, item.substring(eq + 1).trim());
    }
    return map;
  }

  /** Agent argument, then system property, then environment variable ({@code MESHPROBE_...}), then {@code def}. */
  static String setting(Map<String, String> args, String key, String def) {
    String v = args.get(key);
    if (v == null || v.trim().isEmpty()) {
      v = System.getProperty(key);
    }
    if (v == null || v.trim().isEmpty()) {
      v = System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
    }
    return v == null || v.trim().isEmpty() ? def : v.trim();
  }

  /**
   * The JDK-only twin of the library's {@code Settings.parseBool} (premain links no library class): {@code true|yes|on|1}
   * or {@code false|no|off|0} in any case, {@code null} for anything else. A test holds the two to the same answers.
   */
  static Boolean bool(String v) {
    String s = v.trim().toLowerCase(Locale.ROOT);
    if (s.equals("true") || s.equals("yes") || s.equals("on") || s.equals("1")) {
      return Boolean.TRUE;
    }
    if (s.equals("false") || s.equals("no") || s.equals("off") || s.equals("0")) {
      return Boolean.FALSE;
    }
    return null;
  }

  /** One short line for any failure, an OutOfMemoryError included: its class and message, never a stack trace. */
  private static String shortly(Throwable t) {
    try {
      return String.valueOf(t);
    } catch (Throwable e) {
      return t.getClass().getName();
    }
  }

  /**
   * Why this JVM is not an app the agent should help, or {@code null} if it is. The rules, in order:
   *
   * <ol>
   *   <li>the command is the agent's own CLI ({@code java -jar mesh-probe-agent.jar doctor}, or a main class under
   *       {@code io.meshprobe.agent.cli.}): skip, always. A diagnosis run through {@code kubectl exec} must neither wait
   *       for the proxy nor quit it;
   *   <li>{@code meshprobe.agent.exclude-main} matches the command: skip;
   *   <li>{@code meshprobe.agent.include-main} is set: go on only if it matches the command;
   *   <li>{@code jdk.module.main} is set and starts with {@code jdk.} or {@code java.}: a JDK tool, skip;
   *   <li>{@code sun.java.command} is missing or empty ({@code java -version}, embedded JVMs): skip;
   *   <li>its first word ends with {@code .jar}: an app, go on;
   *   <li>its main class (after {@code module/}, if any) or module starts with a JDK or build-tool prefix
   *       ({@code sun.}, {@code jdk.}, {@code com.sun.tools.}, Maven, Gradle, ...): skip.
   * </ol>
   *
   * Patterns are comma-separated wildcards ({@code *}, {@code ?}) matched against the first word of the
   * command (main class, {@code module/class} or jar path) and, for a jar, its file name too.
   */
  static String skipReason(Map<String, String> args) {
    String command = System.getProperty("sun.java.command", "").trim();
    int space = command.indexOf(' ');
    String main = space < 0 ? command : command.substring(0, space);
    if (isOwnCli(main)) {
      return "the mesh-probe agent's own CLI";
    }
    String exclude = setting(args, "meshprobe.agent.exclude-main", "");
    if (!exclude.isEmpty() && matchesAny(exclude, main)) {
      return "main '" + main + "' matches meshprobe.agent.exclude-main";
    }
    String include = setting(args, "meshprobe.agent.include-main", "");
    if (!include.isEmpty()) {
      return matchesAny(include, main) ? null : "main '" + main + "' does not match meshprobe.agent.include-main";
    }
    String module = System.getProperty("jdk.module.main", "");
    if (module.startsWith("jdk.") || module.startsWith("java.")) {
      return "JDK tool module " + module;
    }
    if (main.isEmpty()) {
      return "no main class (java -version or an embedded JVM)";
    }
    if (main.endsWith(".jar")) {
      return null;
    }
    int slash = main.indexOf('/');
    String cls = slash < 0 ? main : main.substring(slash + 1);
    for (String prefix : TOOL_PREFIXES) {
      if (cls.startsWith(prefix) || (slash > 0 && main.startsWith(prefix))) {
        return "JDK or build tool " + main;
      }
    }
    return null;
  }

  /** The agent's own jar run with {@code java -jar}, or one of its classes as the main class. */
  static boolean isOwnCli(String main) {
    if (main.startsWith("io.meshprobe.agent.cli.")) {
      return true;
    }
    if (!main.endsWith(".jar")) {
      return false;
    }
    try {
      java.security.CodeSource source = MeshProbeAgent.class.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null) {
        return false;
      }
      java.io.File own = new java.io.File(source.getLocation().toURI());
      return own.isFile() && own.getCanonicalFile().equals(new java.io.File(main).getCanonicalFile());
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean matchesAny(String patterns, String main) {
    String fileName = main.substring(main.lastIndexOf('/') + 1);
    for (String p : patterns.split(",")) {
      String pattern = p.trim();
      if (!pattern.isEmpty() && (wildcard(pattern, main) || wildcard(pattern, fileName))) {
        return true;
      }
    }
    return false;
  }

  /** Glob match with {@code *} (any run) and {@code ?} (one character). */
  static boolean wildcard(String pattern, String text) {
    int p = 0;
    int t = 0;
    int star = -1;
    int mark = 0;
    while (t < text.length()) {
      if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == text.charAt(t))) {
        p++;
        t++;
      } else if (p < pattern.length() && pattern.charAt(p) == '*') {
        star = p++;
        mark = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else {
        return false;
      }
    }
    while (p < pattern.length() && pattern.charAt(p) == '*') {
      p++;
    }
    return p == pattern.length();
  }
}
