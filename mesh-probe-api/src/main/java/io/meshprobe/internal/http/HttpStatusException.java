package io.meshprobe.internal.http;

import java.io.IOException;

/** A streamed read got a complete answer whose status is not 2xx; its body was not read. */
public final class HttpStatusException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int code;

  public HttpStatusException(String method, String url, int code) {
    super(method + " " + url + " answered HTTP " + code);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
