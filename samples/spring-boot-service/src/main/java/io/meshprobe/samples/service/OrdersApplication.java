package io.meshprobe.samples.service;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * A web service in a meshed pod. The only mesh-probe line is the starter dependency in the pom: it waits for the proxy
 * before the context creates its clients, adds the {@code meshprobe} health component (in the readiness group, see
 * application.properties) and the {@code meshprobe_*} meters, and leaves the proxy alone when the kubelet stops the pod.
 */
@SpringBootApplication
@RestController
public class OrdersApplication {
  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
  }

  @GetMapping("/orders/{id}")
  Map<String, Object> order(@PathVariable("id") long id) {
    return Map.of("id", id, "status", "shipped");
  }
}
