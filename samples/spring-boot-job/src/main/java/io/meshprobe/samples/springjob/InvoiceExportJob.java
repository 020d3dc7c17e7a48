package io.meshprobe.samples.springjob;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A Kubernetes Job written with Spring Boot: a {@link CommandLineRunner} does the work, then the JVM exits with
 * {@link SpringApplication#exit}'s code. The only mesh-probe line is the starter dependency: it waits for the proxy
 * before the context is refreshed, so no client is created while the proxy is starting, and asks the proxy to quit
 * after the context is closed, so the Job's pod completes (on failure too, unless {@code meshprobe.quit.on-failure=false}).
 */
@SpringBootApplication
public class InvoiceExportJob {
  public static void main(String[] args) {
    System.exit(SpringApplication.exit(SpringApplication.run(InvoiceExportJob.class, args)));
  }

  @Bean
  CommandLineRunner export(Environment env) {
    return args -> {
      String source = env.getProperty("export.source-url", "http://billing.billing.svc.cluster.local:8080/invoices");
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      for (int i = 1; i <= 3; i++) {
        HttpResponse<String> invoice = fetch(http, source + "/" + i);
        System.out.println("[job] exported invoice " + i + ": HTTP " + invoice.statusCode() + " " + invoice.body());
      }
    };
  }

  private static HttpResponse<String> fetch(HttpClient http, String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
