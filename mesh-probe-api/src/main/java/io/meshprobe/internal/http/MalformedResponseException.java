package io.meshprobe.internal.http;

import java.net.ProtocolException;

/**
 * The peer answered, but not with HTTP/1.x that this client accepts: a garbage status line, a header block over its
 * cap, a bad chunk size, a body cut short. The message names the defect only, never bytes of the answer.
 */
public final class MalformedResponseException extends ProtocolException {
  private static final long serialVersionUID = 1L;

  public MalformedResponseException(String message) {
    super(message);
  }
}
