package io.meshprobe.spring.boot.autoconfigure.apps;

import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/** A long-running web service, run in a forked JVM and stopped with SIGTERM. Tells the fake once it runs. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ServiceApp {
  public static void main(String[] args) {
    SpringApplication.run(ServiceApp.class, args);
  }

  @Bean
  ApplicationRunner started(Environment env) {
    return args -> JobApp.call(env.getRequiredProperty("fake") + "/app/started");
  }
}
