package io.meshprobe.envoytests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * A job with no mesh-probe code, run with the agent in another JVM. Its first line asks Envoy's own {@code /ready}
 * (URL in {@code JOB_ENVOY_READY_URL}) and prints what it said, with the epoch millis of {@code main}.
 */
public final class HeldJob {
  private HeldJob() {}

  public static void main(String[] args) throws Exception {
    long main = System.currentTimeMillis();
    String url = System.getenv("JOB_ENVOY_READY_URL");
    String state = "-";
    if (url != null) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
      state = r.body().trim();
    }
    System.out.println("[job] main epochMillis=" + main + " envoy=" + state);
    System.out.println("[job] done");
  }
}
