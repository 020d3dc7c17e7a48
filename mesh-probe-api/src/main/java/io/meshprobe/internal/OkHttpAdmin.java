package io.meshprobe.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionSpec;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.jspecify.annotations.Nullable;

/**
 * The probe's OkHttp client, for the bulky reads (config dumps, certificates, metrics) that are streamed into
 * a parser. Built on first use, never on the start-up path: building a client costs 0.2–0.4 s of class
 * loading. Plain HTTP/1.1 on loopback only, short explicit timeouts, no redirects, no retries, no HTTP proxy,
 * and a cap on every body.
 */
public final class OkHttpAdmin implements AutoCloseable {

  /** Reads a streamed body. */
  public interface BodyReader<T> {
    T read(InputStream body) throws IOException;
  }

  private final Duration timeout;
  private final long maxBody;
  private final @Nullable OkHttpClient base;
  private volatile @Nullable OkHttpClient client;

  /**
   * @param base a caller's client to derive from (its connection pool and dispatcher are shared), or
   *     {@code null} to build a fresh one
   */
  public OkHttpAdmin(Duration timeout, long maxBody, @Nullable OkHttpClient base) {
    this.timeout = timeout;
    this.maxBody = maxBody;
    this.base = base;
  }

  OkHttpClient client() {
    OkHttpClient c = client;
    if (c == null) {
      synchronized (this) {
        c = client;
        if (c == null) {
          OkHttpClient.Builder b = base != null ? base.newBuilder() : new OkHttpClient.Builder();
          c =
              b.connectionSpecs(Collections.singletonList(ConnectionSpec.CLEARTEXT))
                  .protocols(Collections.singletonList(Protocol.HTTP_1_1))
                  .proxy(Proxy.NO_PROXY)
                  .followRedirects(false)
                  .followSslRedirects(false)
                  .retryOnConnectionFailure(false)
                  .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                  .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                  .writeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                  .callTimeout(timeout.toMillis() * 5, TimeUnit.MILLISECONDS)
                  .build();
          client = c;
        }
      }
    }
    return c;
  }

  /**
   * GETs {@code url} and hands the body to {@code reader} as a stream capped at {@code meshprobe.http.max-body}.
   * A non-2xx answer is an {@link IOException} naming the status.
   */
  public <T> T get(String url, BodyReader<T> reader) throws IOException {
    return get(url, Duration.ofMillis(timeout.toMillis() * 5), reader);
  }

  /** Like {@link #get(String, BodyReader)}, with the whole call (connect, headers, body) bounded by {@code deadline}. */
  public <T> T get(String url, Duration deadline, BodyReader<T> reader) throws IOException {
    Request request = new Request.Builder().url(url).header("Accept", "application/json, text/plain, */*").build();
    okhttp3.Call call = client().newCall(request);
    call.timeout().timeout(Math.max(1, deadline.toMillis()), TimeUnit.MILLISECONDS);
    try (Response response = call.execute()) {
      ResponseBody body = response.body();
      if (!response.isSuccessful()) {
        throw new IOException("GET " + url + " answered HTTP " + response.code());
      }
      return reader.read(new CappedInputStream(body.byteStream(), maxBody, url));
    }
  }

  @Override
  public void close() {
    OkHttpClient c = client;
    if (c != null && base == null) {
      c.dispatcher().executorService().shutdown();
      c.connectionPool().evictAll();
    }
  }

  /** Fails the read once more than {@code max} bytes came through. */
  static final class CappedInputStream extends FilterInputStream {
    private final long max;
    private final String url;
    private long count;

    CappedInputStream(InputStream in, long max, String url) {
      super(in);
      this.max = max;
      this.url = url;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    private void add(long n) throws IOException {
      count += n;
      if (count > max) {
        throw new IOException("response from " + url + " is larger than " + max + " bytes (meshprobe.http.max-body)");
      }
    }
  }
}
