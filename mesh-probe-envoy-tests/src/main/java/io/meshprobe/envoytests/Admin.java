package io.meshprobe.envoytests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small client for Envoy's admin API (the harness's own: the library's client is what is under test). */
public final class Admin {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  private final String base;

  public Admin(String base) {
    this.base = base;
  }

  public String url() {
    return base;
  }

  /** GET; the response, or null when nothing answers (connection refused, timeout). */
  public HttpResponse<String> get(String pathAndQuery) {
    return send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(5)).GET().build());
  }

  public HttpResponse<String> post(String pathAndQuery) {
    return send(
        HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  /** The body of {@code /ready} ({@code LIVE}, {@code PRE_INITIALIZING}, ...), trimmed; null when nothing answers. */
  public String state() {
    HttpResponse<String> r = get("/ready");
    return r == null ? null : r.body().trim();
  }

  /** One stat from {@code /stats} (text format), or null when Envoy does not show it. */
  public Long stat(String name) {
    HttpResponse<String> r = get("/stats?filter=" + java.net.URLEncoder.encode("^" + name.replace(".", "\\.") + "$", java.nio.charset.StandardCharsets.UTF_8));
    if (r == null || r.statusCode() != 200) {
      return null;
    }
    for (String line : r.body().split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0 && line.substring(0, colon).equals(name)) {
        return Long.parseLong(line.substring(colon + 2).trim());
      }
    }
    return null;
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
