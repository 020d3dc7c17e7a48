package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Real {@code SpringApplication} runs (no test context): Boot's failure-analysis report for the starter's start-up
 * failures, and the parallel mode, whose readiness hold must not keep {@code run()} from returning. No web server,
 * and {@code meshprobe.quit=never}: nothing here may quit anything.
 */
@ExtendWith(OutputCaptureExtension.class)
class SpringApplicationStartupTest {
  private FakeIstio istio;

  @BeforeEach
  void startFake() {
    istio = new FakeIstio(false);
  }

  @AfterEach
  void stopFake() {
    istio.close();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    static final AtomicBoolean READY_EVENT_SEEN = new AtomicBoolean();

    @Bean
    ApplicationListener<ApplicationReadyEvent> readyListener() {
      return event -> READY_EVENT_SEEN.set(true);
    }
  }

  private String[] args(String... more) {
    List<String> a = new ArrayList<>();
    for (String p : istio.properties()) {
      if (Arrays.stream(more).noneMatch(m -> m.startsWith("--" + p.substring(0, p.indexOf('=') + 1)))) {
        a.add("--" + p);
      }
    }
    a.add("--spring.main.web-application-type=none");
    a.add("--meshprobe.quit=never");
    a.add("--meshprobe.wait.interval=20ms");
    a.addAll(Arrays.asList(more));
    return a.toArray(new String[0]);
  }

  @Test
  void aProxyNotReadyAtStartGivesBootsFailureAnalysis(CapturedOutput output) {
    assertThatThrownBy(() -> new SpringApplication(App.class).run(args("--meshprobe.wait.timeout=300ms", "--meshprobe.wait.on-timeout=fail")))
        .isInstanceOf(io.meshprobe.ProxyNotReadyException.class);
    assertThat(output.toString())
        .contains("APPLICATION FAILED TO START")
        .contains("Description:")
        .contains("The pod's istio proxy was not ready after")
        .contains("meshprobe.wait.on-timeout=fail stops the start-up")
        .contains("/healthz/ready")
        .contains("Action:")
        .contains("raise meshprobe.wait.timeout");
  }

  @Test
  void aNonLoopbackAdminUrlGivesBootsFailureAnalysis_namingThePropertyAndItsSource(CapturedOutput output) {
    assertThatThrownBy(() -> new SpringApplication(App.class).run(args("--meshprobe.istio.admin-url=http://10.1.2.3:15000")))
        .hasRootCauseInstanceOf(IllegalArgumentException.class);
    assertThat(output.toString())
        .contains("APPLICATION FAILED TO START")
        .contains("Invalid mesh-probe setting: meshprobe.istio.admin-url")
        .contains("Property: meshprobe.istio.admin-url")
        .contains("Value:    \"http://10.1.2.3:15000\"")
        .contains("Source:   commandLineArgs")
        .contains("meshprobe.admin.allow-remote=true");
  }

  @Test
  void parallelModeHoldsReadinessWithoutHoldingTheMainThread() {
    App.READY_EVENT_SEEN.set(false);
    try (ConfigurableApplicationContext context =
        new SpringApplication(App.class).run(args("--meshprobe.wait.mode=parallel", "--meshprobe.wait.on-timeout=fail"))) {
      // run() returned, and the listeners of ApplicationReadyEvent ran, with the proxy still not ready.
      assertThat(App.READY_EVENT_SEEN).isTrue();
      ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
      assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);

      istio.ready(true);
      await().atMost(Duration.ofSeconds(10)).until(() -> availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC);
    }
  }
}
