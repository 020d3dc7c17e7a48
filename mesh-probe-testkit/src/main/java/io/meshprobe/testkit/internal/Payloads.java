package io.meshprobe.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the recorded fixtures and derives the few payloads that need it. Only plain text handling: this class
 * must stay independent of the JSON parsing in mesh-probe-api, because it is the check on that code.
 */
public final class Payloads {

  /** Where the recorded fixtures live on the class path (the public {@code Fixtures} reads the same folder). */
  public static final String FIXTURES_ROOT = "/io/meshprobe/testkit/fixtures/";

  private static final ConcurrentMap<String, byte[]> CACHE = new ConcurrentHashMap<String, byte[]>();

  private static final Pattern ISTIO_VERSION = Pattern.compile("(\"ISTIO_VERSION\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)(\")");
  private static final Pattern STATUS_ANNOTATION =
      Pattern.compile("(\"sidecar\\.istio\\.io/status\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)(\")");
  private static final Pattern INIT_CONTAINERS = Pattern.compile("\"initContainers\"\\s*:\\s*(null|\\[[^\\]]*\\])");
  private static final Pattern CONTAINERS = Pattern.compile("\"containers\"\\s*:\\s*(null|\\[[^\\]]*\\])");
  private static final Pattern JSON_STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

  private Payloads() {
  }

  /**
   * The bytes of a fixture: a path relative to the fixtures directory ({@code istio/...json}), or failing that
   * a file on disk.
   *
   * @throws IllegalArgumentException if neither exists
   */
  static byte[] fixture(String relative) {
    byte[] cached = CACHE.get(relative);
    if (cached != null) {
      return cached;
    }
    byte[] bytes;
    try {
      InputStream in = Payloads.class.getResourceAsStream(FIXTURES_ROOT + relative);
      if (in == null) {
        File file = new File(relative);
        if (!file.isFile()) {
          throw new IllegalArgumentException("no fixture '" + relative + "' (looked in " + FIXTURES_ROOT
              + " on the class path and at " + file.getAbsolutePath() + ")");
        }
        in = new FileInputStream(file);
      }
      try {
        bytes = readAll(in);
      } finally {
        in.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read fixture " + relative, e);
    }
    CACHE.putIfAbsent(relative, bytes);
    return bytes;
  }

  static String fixtureText(String relative) {
    return new String(fixture(relative), StandardCharsets.UTF_8);
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[16384];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** Replaces the value of every {@code "ISTIO_VERSION": "..."} with {@code version}. */
  static String withIstioVersion(String json, String version) {
    Matcher m = ISTIO_VERSION.matcher(json);
    StringBuffer sb = new StringBuffer(json.length() + 64);
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + escape(version) + m.group(3)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /**
   * Derived scenario, not a recording: rewrites every {@code sidecar.istio.io/status} annotation value so that
   * {@code istio-proxy} is listed under {@code initContainers} (appended) and no longer under
   * {@code containers} ({@code null} when nothing is left, as Go encodes an empty template list), which is how
   * the injector describes a Kubernetes native sidecar.
   */
  static String withNativeSidecar(String json) {
    Matcher m = STATUS_ANNOTATION.matcher(json);
    StringBuffer sb = new StringBuffer(json.length() + 64);
    while (m.find()) {
      String inner = unescape(m.group(2));
      String rewritten = nativeStatus(inner);
      m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + escape(rewritten) + m.group(3)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  static String nativeStatus(String status) {
    Matcher c = CONTAINERS.matcher(status);
    if (c.find()) {
      List<String> names = stringList(c.group(1));
      names.remove("istio-proxy");
      status = status.substring(0, c.start(1)) + jsonList(names) + status.substring(c.end(1));
    }
    Matcher i = INIT_CONTAINERS.matcher(status);
    if (i.find()) {
      List<String> names = stringList(i.group(1));
      if (!names.contains("istio-proxy")) {
        names.add("istio-proxy");
      }
      return status.substring(0, i.start(1)) + jsonList(names) + status.substring(i.end(1));
    }
    int brace = status.indexOf('{');
    return status.substring(0, brace + 1) + "\"initContainers\":[\"istio-proxy\"]"
        + (status.substring(brace + 1).trim().startsWith("}") ? "" : ",") + status.substring(brace + 1);
  }

  private static List<String> stringList(String jsonArrayOrNull) {
    List<String> out = new ArrayList<String>();
    Matcher m = JSON_STRING.matcher(jsonArrayOrNull);
    while (m.find()) {
      out.add(unescape(m.group(1)));
    }
    return out;
  }

  private static String jsonList(List<String> names) {
    if (names.isEmpty()) {
      return "null";
    }
    StringBuilder sb = new StringBuilder("[");
    for (int k = 0; k < names.size(); k++) {
      sb.append(k == 0 ? "\"" : ",\"").append(escape(names.get(k))).append('"');
    }
    return sb.append(']').toString();
  }

  /** JSON string escaping (quotes, backslashes, control characters). */
  static String escape(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int k = 0; k < s.length(); k++) {
      char ch = s.charAt(k);
      switch (ch) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
      }
    }
    return sb.toString();
  }

  /** Undoes JSON string escaping. */
  static String unescape(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int k = 0; k < s.length(); k++) {
      char ch = s.charAt(k);
      if (ch != '\\' || k + 1 == s.length()) {
        sb.append(ch);
        continue;
      }
      char n = s.charAt(++k);
      switch (n) {
        case 'n':
          sb.append('\n');
          break;
        case 'r':
          sb.append('\r');
          break;
        case 't':
          sb.append('\t');
          break;
        case 'b':
          sb.append('\b');
          break;
        case 'f':
          sb.append('\f');
          break;
        case 'u':
          sb.append((char) Integer.parseInt(s.substring(k + 1, k + 5), 16));
          k += 4;
          break;
        default:
          sb.append(n); // \" \\ \/
      }
    }
    return sb.toString();
  }

  /** Derived scenario: an {@code error_state} entry put first in the first {@code dynamic_listeners} array. */
  static final String REJECTED_LISTENER = "{\n"
      + "     \"name\": \"0.0.0.0_8443\",\n"
      + "     \"error_state\": {\n"
      + "      \"failed_configuration\": {\n"
      + "       \"@type\": \"type.googleapis.com/envoy.config.listener.v3.Listener\",\n"
      + "       \"name\": \"0.0.0.0_8443\",\n"
      + "       \"address\": {\"socket_address\": {\"address\": \"0.0.0.0\", \"port_value\": 8443}}\n"
      + "      },\n"
      + "      \"last_update_attempt\": \"2023-06-20T09:12:03.118Z\",\n"
      + "      \"details\": \"Didn't find a registered implementation for 'envoy.filters.http.lua_typo' with type URL:"
      + " 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua'\"\n"
      + "     }\n"
      + "    },\n    ";

  /**
   * Derived scenario, not a recording: inserts {@link #REJECTED_LISTENER} (a {@code ListenersConfigDump.DynamicListener}
   * holding only {@code name} and {@code error_state}, the shape envoy.admin.v3 gives a listener that was rejected and
   * never became active) as the first element of the dump's first {@code dynamic_listeners} array. Dumps without one
   * (the v2alpha envelope) are returned unchanged.
   */
  static String withRejectedListener(String json) {
    Matcher m = Pattern.compile("\"dynamic_listeners\"\\s*:\\s*\\[\\s*").matcher(json);
    if (!m.find()) {
      return json;
    }
    return json.substring(0, m.end()) + REJECTED_LISTENER + json.substring(m.end());
  }

  /**
   * Envoy {@code /stats?usedonly&filter=RE}: the recorded readiness lines as they are, then the synthetic health
   * stats whose name matches the filter (a partial match, as Envoy's RE2 filter), without counters that never moved
   * ({@code update_rejected: 0}) when {@code usedonly} is asked. Without a filter the recording is returned unchanged.
   */
  static byte[] withHealthStats(byte[] recorded, String query, java.util.Map<String, Long> stats) {
    String filter = null;
    boolean usedOnly = false;
    for (String param : query.split("&")) {
      if (param.equals("usedonly")) {
        usedOnly = true;
      } else if (param.startsWith("filter=")) {
        try {
          filter = java.net.URLDecoder.decode(param.substring("filter=".length()), "UTF-8");
        } catch (java.io.UnsupportedEncodingException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    if (filter == null) {
      return recorded;
    }
    Pattern p;
    try {
      p = Pattern.compile(filter);
    } catch (java.util.regex.PatternSyntaxException e) {
      return recorded;
    }
    StringBuilder extra = new StringBuilder();
    for (java.util.Map.Entry<String, Long> s : stats.entrySet()) {
      boolean unusedCounter = s.getKey().endsWith("update_rejected") && s.getValue() == 0;
      if (p.matcher(s.getKey()).find() && !(usedOnly && unusedCounter)) {
        extra.append(s.getKey()).append(": ").append(s.getValue()).append('\n');
      }
    }
    if (extra.length() == 0) {
      return recorded;
    }
    String text = new String(recorded, StandardCharsets.UTF_8);
    if (!text.isEmpty() && !text.endsWith("\n")) {
      text += "\n";
    }
    return (text + extra).getBytes(StandardCharsets.UTF_8);
  }

  /** Derived: replaces the value of every unlabelled sample {@code name VALUE} line of a Prometheus text. */
  static byte[] withSampleValue(byte[] prom, String name, String value) {
    Matcher m = Pattern.compile("(?m)^(" + Pattern.quote(name) + " )\\S+").matcher(new String(prom, StandardCharsets.UTF_8));
    StringBuffer sb = new StringBuffer(prom.length + 16);
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(m.group(1) + value));
    }
    m.appendTail(sb);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The text of the bootstrap {@code node} object of a config_dump ({@code configs[].bootstrap.node}), or null
   * if the dump has no bootstrap section.
   */
  static String bootstrapNode(String configDump) {
    int at = Math.max(0, configDump.indexOf("BootstrapConfigDump\"")); // also a bare {"bootstrap": ...}
    int bootstrap = valueStart(configDump, findKey(configDump, "bootstrap", at));
    if (bootstrap < 0 || configDump.charAt(bootstrap) != '{') {
      return null;
    }
    int node = valueStart(configDump, findTopLevelKey(configDump, bootstrap, "node"));
    if (node < 0 || configDump.charAt(node) != '{') {
      return null;
    }
    return configDump.substring(node, endOfValue(configDump, node));
  }

  /** Replaces the value of the top-level key {@code key} of the JSON object starting at {@code objectStart}. */
  static String replaceTopLevelValue(String json, String key, String newValueJson) {
    int start = valueStart(json, findTopLevelKey(json, json.indexOf('{'), key));
    if (start < 0) {
      return json;
    }
    return json.substring(0, start) + newValueJson + json.substring(endOfValue(json, start));
  }

  private static int findKey(String json, String key, int from) {
    int k = json.indexOf("\"" + key + "\"", from);
    return k < 0 ? -1 : k + key.length() + 2;
  }

  /** Index just after the closing quote of {@code "key"} found at depth 1 of the object at {@code open}. */
  private static int findTopLevelKey(String json, int open, String key) {
    if (open < 0) {
      return -1;
    }
    int depth = 0;
    for (int k = open; k < json.length(); k++) {
      char ch = json.charAt(k);
      if (ch == '"') {
        int end = endOfString(json, k);
        if (depth == 1) {
          String name = json.substring(k + 1, end - 1);
          int after = skipSpace(json, end);
          if (after < json.length() && json.charAt(after) == ':' && name.equals(key)) {
            return end;
          }
        }
        k = end - 1;
      } else if (ch == '{' || ch == '[') {
        depth++;
      } else if (ch == '}' || ch == ']') {
        if (--depth == 0) {
          return -1;
        }
      }
    }
    return -1;
  }

  /** Given the index after a key's closing quote, the index of its value's first character. */
  private static int valueStart(String json, int afterKey) {
    if (afterKey < 0) {
      return -1;
    }
    int k = skipSpace(json, afterKey);
    if (k >= json.length() || json.charAt(k) != ':') {
      return -1;
    }
    return skipSpace(json, k + 1);
  }

  private static int skipSpace(String json, int k) {
    while (k < json.length() && Character.isWhitespace(json.charAt(k))) {
      k++;
    }
    return k;
  }

  /** Index just after the string starting with the quote at {@code quote}. */
  private static int endOfString(String json, int quote) {
    for (int k = quote + 1; k < json.length(); k++) {
      char ch = json.charAt(k);
      if (ch == '\\') {
        k++;
      } else if (ch == '"') {
        return k + 1;
      }
    }
    throw new IllegalArgumentException("unterminated JSON string");
  }

  /** Index just after the JSON value starting at {@code start}. */
  private static int endOfValue(String json, int start) {
    char first = json.charAt(start);
    if (first == '"') {
      return endOfString(json, start);
    }
    if (first != '{' && first != '[') {
      int k = start;
      while (k < json.length() && ",}] \n\r\t".indexOf(json.charAt(k)) < 0) {
        k++;
      }
      return k;
    }
    int depth = 0;
    for (int k = start; k < json.length(); k++) {
      char ch = json.charAt(k);
      if (ch == '"') {
        k = endOfString(json, k) - 1;
      } else if (ch == '{' || ch == '[') {
        depth++;
      } else if ((ch == '}' || ch == ']') && --depth == 0) {
        return k + 1;
      }
    }
    throw new IllegalArgumentException("unbalanced JSON value");
  }
}
