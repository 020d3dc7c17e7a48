package io.meshprobe.internal.http;

import java.io.IOException;
import java.io.InputStream;
import org.jspecify.annotations.Nullable;

/**
 * The body of one answer as a stream: {@code Content-Length}, chunked, or to the end of the connection. It never
 * hands out more than {@code max} bytes (an answer that announces or sends more fails with the
 * {@code meshprobe.http.max-body} message), and every read ends by the exchange's deadline. Closing it gives a
 * connection whose answer was read to its end back to the client for the next request; any other is closed.
 */
final class Body extends InputStream {
  private final LoopbackHttp owner;
  private final Connection c;
  private final long max;
  private final String url;
  private final boolean chunked;
  private long left;
  private boolean firstChunk = true;
  private long total;
  private boolean done;
  private boolean closed;
  final int code;
  final @Nullable String server;

  Body(LoopbackHttp owner, Connection c, long max, String url) throws IOException {
    this.owner = owner;
    this.c = c;
    this.max = max;
    this.url = url;
    this.chunked = c.chunked;
    this.code = c.code;
    this.server = c.server;
    if (!c.hasBody()) {
      done = true;
    } else if (!chunked && c.contentLength >= 0) {
      if (c.contentLength > max) {
        throw tooLarge();
      }
      left = c.contentLength;
      done = left == 0;
    } else {
      left = chunked ? 0 : -1; // -1: to the end of the connection
    }
  }

  /** The announced length, or -1. */
  long contentLength() {
    return chunked ? -1 : c.contentLength;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (closed) {
      throw new IOException("body closed");
    }
    if (done) {
      return -1;
    }
    if (len == 0) {
      return 0;
    }
    int n;
    if (chunked) {
      if (left == 0) {
        nextChunk();
        if (done) {
          return -1;
        }
      }
      n = c.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new MalformedResponseException("the connection closed inside a chunk");
      }
      left -= n;
    } else if (left > 0) {
      n = c.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new MalformedResponseException("the connection closed inside the body");
      }
      left -= n;
      done = left == 0;
    } else {
      n = c.read(b, off, len);
      if (n < 0) {
        done = true;
        return -1;
      }
    }
    total += n;
    if (total > max) {
      throw tooLarge();
    }
    return n;
  }

  private void nextChunk() throws IOException {
    if (!firstChunk) {
      int[] crlf = {2};
      if (c.readLine(crlf, "chunk end") != 0) {
        throw new MalformedResponseException("chunk data longer than its size");
      }
    }
    firstChunk = false;
    int[] budget = {Connection.MAX_CHUNK_LINE};
    int n = c.readLine(budget, "chunk size line");
    if (n < 0) {
      throw new MalformedResponseException("the connection closed before a chunk size");
    }
    long size = c.chunkSize(n);
    if (size == 0) {
      int[] trailers = {LoopbackHttp.MAX_HEAD_BYTES};
      while ((n = c.readLine(trailers, "trailer")) != 0) {
        if (n < 0) {
          throw new MalformedResponseException("the connection closed inside the trailers");
        }
      }
      done = true;
      return;
    }
    if (total + size > max) {
      throw tooLarge();
    }
    left = size;
  }

  private IOException tooLarge() {
    return new IOException("response from " + url + " is larger than " + max + " bytes (meshprobe.http.max-body)");
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (done && !c.closeAfter && !c.hasBufferedInput()) {
      owner.release(c);
    } else {
      c.close();
    }
  }
}
