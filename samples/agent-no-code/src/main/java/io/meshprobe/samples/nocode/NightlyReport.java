package io.meshprobe.samples.nocode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A batch job with no mesh-probe code at all: it fetches a few records from an upstream service and "exports" them.
 *
 * <p>In a meshed pod its first outbound call would fail while the sidecar is still starting, and the pod would never
 * complete because the sidecar keeps running after {@code main} returns. Run it with the agent and both problems go
 * away without touching this file:
 *
 * <pre>
 * JAVA_TOOL_OPTIONS="$JAVA_TOOL_OPTIONS -javaagent:/opt/mesh-probe/mesh-probe-agent.jar" java -cp app.jar \
 *     io.meshprobe.samples.nocode.NightlyReport
 * </pre>
 *
 * <p>Environment: {@code REPORT_SOURCE_URL} (default {@code http://reports-api:8080/records}), {@code REPORT_RECORDS}
 * (default 3), {@code REPORT_WORK_MILLIS} (time spent "exporting" each record, default 200).
 */
public final class NightlyReport {
  private NightlyReport() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    String source = env("REPORT_SOURCE_URL", "http://reports-api:8080/records");
    int records = Integer.parseInt(env("REPORT_RECORDS", "3"));
    long workMillis = Long.parseLong(env("REPORT_WORK_MILLIS", "200"));

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (int i = 1; i <= records; i++) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(source + "/" + i)).timeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        System.out.println("[job] GET " + request.uri() + " answered " + response.statusCode());
        System.exit(1);
      }
      Thread.sleep(workMillis); // stands for the real work: transform, write to the warehouse
      System.out.println("[job] exported record " + i + " of " + records + ": " + response.body().trim());
    }
    System.out.println("[job] done, main() returns");
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isEmpty() ? fallback : value;
  }
}
