package io.meshprobe.internal.http;

import org.jspecify.annotations.Nullable;

/** A small answer read whole: status, body (UTF-8) and the {@code server} header. */
public final class Response {
  public final int code;
  public final String body;
  public final @Nullable String server;

  Response(int code, String body, @Nullable String server) {
    this.code = code;
    this.body = body;
    this.server = server;
  }
}
