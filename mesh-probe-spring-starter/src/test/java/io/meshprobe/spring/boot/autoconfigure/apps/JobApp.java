package io.meshprobe.spring.boot.autoconfigure.apps;

import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * A job-style app, run in a forked JVM: its work is an outbound call in a CommandLineRunner, its last outbound call
 * happens while the context closes. main returns; nothing else keeps the JVM alive. With {@code --exit-code=N} it
 * ends through {@code System.exit(SpringApplication.exit(...))} instead.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class JobApp {
  public static void main(String[] args) {
    var context = new SpringApplication(JobApp.class).run(args);
    String exit = context.getEnvironment().getProperty("exit-code");
    if (exit != null) {
      System.exit(SpringApplication.exit(context, () -> Integer.parseInt(exit)));
    }
  }

  @Bean
  CommandLineRunner work(Environment env) {
    return args -> call(env.getRequiredProperty("fake") + "/app/work");
  }

  @Bean
  LastCall lastCall(Environment env) {
    return new LastCall(env.getRequiredProperty("fake"));
  }

  /** Stands for a telemetry flush or an offset commit at shutdown: it needs the proxy. */
  public static final class LastCall {
    private final String fake;

    LastCall(String fake) {
      this.fake = fake;
    }

    @PreDestroy
    void flush() {
      call(fake + "/app/last-call");
    }
  }

  static void call(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      c.setConnectTimeout(2000);
      c.setReadTimeout(2000);
      c.getResponseCode(); // any answer will do: the fake records the call
      c.disconnect();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
