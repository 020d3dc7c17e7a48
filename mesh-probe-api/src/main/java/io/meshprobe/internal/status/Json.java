package io.meshprobe.internal.status;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/** Small helpers over Jackson's streaming parser. */
final class Json {
  static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(500).maxStringLength(32 << 20).build())
          .build();

  private Json() {}

  /** Next token, failing on a truncated document. */
  static JsonToken next(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new IOException("truncated JSON");
    }
    return t;
  }

  /** Reads one JSON object, the parser positioned at its {@code START_OBJECT}. */
  interface ObjectReader {
    void read(JsonParser p) throws IOException;
  }

  /** With {@code v} the value just read: hands each object of an array to {@code reader}; skips anything else. */
  static void eachObject(JsonParser p, @Nullable JsonToken v, ObjectReader reader) throws IOException {
    if (v == JsonToken.START_ARRAY) {
      eachObjectInArray(p, reader);
    } else {
      p.skipChildren();
    }
  }

  /** Inside an array (after its {@code START_ARRAY}): hands each object to {@code reader}, skips other elements. */
  static void eachObjectInArray(JsonParser p, ObjectReader reader) throws IOException {
    while (next(p) != JsonToken.END_ARRAY) {
      if (p.currentToken() == JsonToken.START_OBJECT) {
        reader.read(p);
      } else {
        p.skipChildren();
      }
    }
  }

  /** A scalar as text (strings, numbers, booleans), {@code null} for null or a structure (which is skipped). */
  static @Nullable String text(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
      p.skipChildren();
      return null;
    }
    return t == JsonToken.VALUE_NULL ? null : p.getText();
  }

  /** An int: a number, a numeric string, or a protobuf wrapper {@code {"value": n}}. */
  static @Nullable Integer integer(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      return p.getIntValue();
    }
    if (t == JsonToken.VALUE_STRING) {
      try {
        return Integer.valueOf(p.getText().trim());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    if (t == JsonToken.START_OBJECT) {
      Integer value = null;
      while (next(p) == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        next(p);
        if ("value".equals(f)) {
          value = integer(p);
        } else {
          p.skipChildren();
        }
      }
      return value;
    }
    p.skipChildren();
    return null;
  }

  /** Whether the current value is {@code true}, a string "true", or a wrapper {@code {"value": true}}. */
  static boolean bool(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_TRUE) {
      return true;
    }
    if (t == JsonToken.VALUE_STRING) {
      return "true".equalsIgnoreCase(p.getText().trim());
    }
    if (t == JsonToken.START_OBJECT) {
      boolean value = false;
      while (next(p) == JsonToken.FIELD_NAME) {
        String f = p.currentName();
        next(p);
        if ("value".equals(f)) {
          value = bool(p);
        } else {
          p.skipChildren();
        }
      }
      return value;
    }
    p.skipChildren();
    return false;
  }

  /** Whether the current string token starts with {@code prefix}, without allocating a String. */
  static boolean startsWith(JsonParser p, String prefix) throws IOException {
    int len = p.getTextLength();
    if (len < prefix.length()) {
      return false;
    }
    char[] chars = p.getTextCharacters();
    int off = p.getTextOffset();
    for (int i = 0; i < prefix.length(); i++) {
      if (chars[off + i] != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
