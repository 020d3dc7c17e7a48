package io.meshprobe.samples.springjob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.meshprobe.testkit.FakeSidecar;
import io.meshprobe.testkit.RecordedRequest;
import io.meshprobe.testkit.SidecarPort;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end, in a forked JVM (the quit happens as that JVM ends): wait, work, quit, exit code 0. */
class InvoiceExportJobTest {
  @TempDir Path tmp;

  @Test
  void waitsForTheProxyExportsAndQuitsTheProxyWhenTheJobEnds() throws Exception {
    List<Long> calls = new CopyOnWriteArrayList<>();
    HttpServer billing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    billing.createContext("/invoices", exchange -> {
      calls.add(System.currentTimeMillis());
      byte[] body = "{\"total\":42}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    billing.start();
    try (FakeSidecar sidecar = FakeSidecar.istio().freePorts().readyManually()
        .log(new PrintStream(OutputStream.nullOutputStream())).start()) {
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"),
          "-Dmeshprobe.istio.status-url=" + sidecar.url(SidecarPort.ISTIO_STATUS),
          "-Dmeshprobe.istio.readiness-url=" + sidecar.url(SidecarPort.ISTIO_READINESS),
          "-Dmeshprobe.istio.admin-url=" + sidecar.url(SidecarPort.ENVOY_ADMIN),
          InvoiceExportJob.class.getName(),
          "--export.source-url=http://127.0.0.1:" + billing.getAddress().getPort() + "/invoices"));
      Path log = tmp.resolve("job.log");
      Process job = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();

      await().atMost(Duration.ofSeconds(60)).until(() -> sidecar.requests().stream()
          .filter(r -> r.path().equals("/healthz/ready")).count() >= 5);
      assertThat(calls).as("no work before the proxy is ready").isEmpty();
      sidecar.becomeReady();

      assertThat(job.waitFor(90, TimeUnit.SECONDS)).isTrue();
      String output = Files.readString(log);
      assertThat(job.exitValue()).as(output).isZero();
      assertThat(output).contains("[job] exported invoice 3: HTTP 200");
      assertThat(calls).hasSize(3);
      assertThat(calls.get(0)).isGreaterThanOrEqualTo(sidecar.readyAtEpochMillis());
      RecordedRequest quit = sidecar.awaitRequest("POST", "/quitquitquit", Duration.ofSeconds(10));
      assertThat(quit).as(output).isNotNull();
      assertThat(quit.epochMillis()).isGreaterThanOrEqualTo(calls.get(2));
      assertThat(sidecar.awaitStopped(Duration.ofSeconds(10))).isTrue();
    } finally {
      billing.stop(0);
    }
  }
}
