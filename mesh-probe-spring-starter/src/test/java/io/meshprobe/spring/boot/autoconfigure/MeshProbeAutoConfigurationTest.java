package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshprobe.MeshProbe;
import io.meshprobe.MeshType;
import io.meshprobe.ProxyNotReadyException;
import io.meshprobe.WaitOutcome;
import io.meshprobe.micrometer.MeshProbeMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.availability.ApplicationAvailabilityAutoConfiguration;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class MeshProbeAutoConfigurationTest {
  private static final AutoConfigurations OURS =
      AutoConfigurations.of(
          MeshProbeAutoConfiguration.class,
          MeshProbeMetricsAutoConfiguration.class,
          MeshProbeHealthContributorAutoConfiguration.class);

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(OURS).withPropertyValues("meshprobe.mesh=none");

  private FakeIstio istio;

  @BeforeEach
  void startFake() throws Exception {
    istio = new FakeIstio(false);
  }

  @AfterEach
  void stopFake() {
    istio.close();
    System.clearProperty(MeshProbeRuntime.AGENT_PROPERTY);
  }

  @Test
  void definesTheProbeAndTheHealthIndicatorByDefault() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(MeshProbe.class).hasSingleBean(MeshProbeProperties.class);
          assertThat(context).hasBean("meshprobeHealthIndicator");
          // No registry: no binder.
          assertThat(context).doesNotHaveBean(MeshProbeMetrics.class);
          // Outside SpringApplication nothing waits and nothing will quit.
          assertThat(context.getBean(MeshProbeRuntime.class).quitPending()).isFalse();
        });
  }

  @Test
  void enabledFalseDefinesNothing() {
    runner
        .withPropertyValues("meshprobe.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(MeshProbe.class).doesNotHaveBean("meshprobeHealthIndicator"));
  }

  @Test
  void backsOffForTheUsersOwnProbe() {
    runner
        .withUserConfiguration(OwnProbe.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(MeshProbe.class);
              assertThat(context.getBean(MeshProbe.class)).isSameAs(context.getBean(OwnProbe.class).probe);
              assertThat(context).hasBean("meshprobeHealthIndicator");
            });
  }

  @Test
  void healthIndicatorCanBeSwitchedOffOrReplaced() {
    runner
        .withPropertyValues("management.health.meshprobe.enabled=false")
        .run(context -> assertThat(context).hasSingleBean(MeshProbe.class).doesNotHaveBean("meshprobeHealthIndicator"));
    runner
        .withUserConfiguration(OwnIndicator.class)
        .run(context -> assertThat(context.getBean("meshprobeHealthIndicator")).isSameAs(OwnIndicator.INDICATOR));
  }

  @Test
  void bindsTheMeterBinderWhenARegistryExists() {
    runner
        .withConfiguration(
            AutoConfigurations.of(
                MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class))
        .run(
            context -> {
              assertThat(context).hasSingleBean(MeshProbeMetrics.class);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("meshprobe.proxy.info").gauge() != null);
              assertThat(registry.get("meshprobe.proxy.info").tag("mesh", "none").gauge().value()).isEqualTo(1.0);
              assertThat(registry.get("meshprobe.proxy.ready").gauge().value()).isEqualTo(0.0);
            });
  }

  @Test
  void micrometerIsOptional() {
    runner
        .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeshProbe.class).doesNotHaveBean(MeshProbeMetrics.class));
  }

  @Test
  void actuatorIsOptional() {
    runner
        .withClassLoader(new FilteredClassLoader("org.springframework.boot.health", "org.springframework.boot.actuate"))
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(MeshProbe.class).doesNotHaveBean("meshprobeHealthIndicator"));
  }

  @Test
  void mapsThePropertiesOntoTheProbe() {
    runner
        .withPropertyValues(
            "meshprobe.mesh=linkerd",
            "meshprobe.wait.timeout=7s",
            "meshprobe.quit=never",
            "meshprobe.quit.timeout=3s",
            "meshprobe.quit.on-failure=false",
            "meshprobe.wait.mode=parallel")
        .run(
            context -> {
              MeshProbeProperties p = context.getBean(MeshProbeProperties.class);
              assertThat(p.getMesh().type()).isEqualTo(MeshType.LINKERD);
              assertThat(p.getQuit().getTimeout()).isEqualTo(Duration.ofSeconds(3));
              assertThat(p.getQuit().getOnFailure()).isFalse();
              assertThat(p.getWait().getMode()).isEqualTo(MeshProbeProperties.WaitMode.PARALLEL);
              // The scalar meshprobe.quit and the group meshprobe.quit.* live side by side.
              assertThat(QuitPolicy.from(context.getEnvironment())).isEqualTo(QuitPolicy.NEVER);
              assertThat(context.getBean(MeshProbe.class).waitTimeout()).isEqualTo(Duration.ofSeconds(7));
            });
  }

  @Test
  void healthReportsTheCachedStatusWithoutCallingTheProxy() {
    istio.ready(true);
    runner
        .withPropertyValues(istio.properties())
        .run(
            context -> {
              HealthIndicator indicator = context.getBean("meshprobeHealthIndicator", HealthIndicator.class);
              await().atMost(Duration.ofSeconds(5)).until(() -> indicator.health().getStatus().equals(Status.UP));
              // The runtime started the library's background status refresh (every 30 s) with the context; once its
              // first snapshot is in, health calls make no call at all.
              MeshProbe probe = context.getBean(MeshProbe.class);
              await().atMost(Duration.ofSeconds(5)).until(() -> probe.status() != null);
              int calls = istio.requests().size();
              Health health = indicator.health();
              indicator.health();
              assertThat(istio.requests()).hasSize(calls);
              Map<String, Object> d = health.getDetails();
              assertThat(d).containsEntry("mesh", "istio").containsEntry("proxy", "envoy").containsEntry("ready", true);
              assertThat(d.get("wait")).asString().contains("READY");
              // The diagnosis, from the fake's recorded config dump: the status document, with its field names.
              assertThat(d).containsKey("status");
              assertThat(new java.util.ArrayList<Object>(((Map<?, ?>) d.get("status")).keySet())).contains("schema", "mtls", "ports", "certificate", "findings", "takenAt");
            });
  }

  @Test
  void healthIsOutOfServiceWhileTheProxyIsNotReady() {
    runner
        .withPropertyValues(istio.properties())
        .withPropertyValues("meshprobe.wait.timeout=200ms")
        .run(
            context -> {
              HealthIndicator indicator = context.getBean("meshprobeHealthIndicator", HealthIndicator.class);
              await().atMost(Duration.ofSeconds(5)).until(() -> indicator.health().getStatus().equals(Status.OUT_OF_SERVICE));
              assertThat(indicator.health().getDetails()).containsEntry("ready", false);
              // The runtime keeps looking: the proxy turns ready, health follows without a restart.
              istio.ready(true);
              await().atMost(Duration.ofSeconds(5)).until(() -> indicator.health().getStatus().equals(Status.UP));
            });
  }

  @Test
  void blockModeWaitsBeforeAnyBeanIsCreated() {
    Thread flip =
        new Thread(
            () -> {
              istio.awaitRequest("GET /healthz/ready", Duration.ofSeconds(10));
              istio.ready(true);
            });
    flip.start();
    runner
        .withInitializer(new MeshProbeStartupInitializer())
        .withPropertyValues(istio.properties())
        .withPropertyValues("meshprobe.quit=never")
        .withUserConfiguration(SeesTheProxy.class)
        .run(
            context -> {
              assertThat(context.getBean(SeesTheProxy.class).readyWhenCreated).isTrue();
              MeshProbe probe = context.getBean(MeshProbe.class);
              assertThat(probe.lastWait().outcome()).isEqualTo(WaitOutcome.READY);
              assertThat(istio.requests()).contains("GET /healthz/ready");
              assertThat(context.getBean(MeshProbeRuntime.class).quitPending()).isFalse();
            });
  }

  @Test
  void blockModeWithOnTimeoutFailFailsTheStartUp() {
    runner
        .withInitializer(new MeshProbeStartupInitializer())
        .withPropertyValues(istio.properties())
        .withPropertyValues("meshprobe.wait.timeout=200ms", "meshprobe.wait.on-timeout=fail", "meshprobe.quit=never")
        .withUserConfiguration(SeesTheProxy.class)
        .run(context -> assertThat(context).hasFailed().getFailure().isInstanceOf(ProxyNotReadyException.class));
  }

  @Test
  void parallelModeHoldsReadinessUntilTheProxyIsReady_withoutHoldingTheThread() {
    runner
        .withConfiguration(AutoConfigurations.of(ApplicationAvailabilityAutoConfiguration.class))
        .withInitializer(new MeshProbeStartupInitializer())
        .withPropertyValues(istio.properties())
        .withPropertyValues("meshprobe.wait.mode=parallel", "meshprobe.quit=never")
        .withUserConfiguration(SeesTheProxy.class)
        .run(
            context -> {
              // The context started while the proxy was not ready.
              assertThat(context.getBean(SeesTheProxy.class).readyWhenCreated).isFalse();
              ApplicationAvailability availability = context.getBean(ApplicationAvailability.class);
              SpringApplication app = new SpringApplication();
              ConfigurableApplicationContext ctx = (ConfigurableApplicationContext) context.getSourceApplicationContext();
              // What SpringApplication does at the end of run(), on its own thread: it is not held.
              context.publishEvent(new ApplicationStartedEvent(app, new String[0], ctx, Duration.ZERO));
              assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
              context.publishEvent(new ApplicationReadyEvent(app, new String[0], ctx, Duration.ZERO));
              AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
              assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
              int polls = istio.requests().size();
              await().atMost(Duration.ofSeconds(5)).until(() -> istio.requests().size() > polls + 3);
              assertThat(availability.getReadinessState()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
              istio.ready(true);
              await().atMost(Duration.ofSeconds(5)).until(() -> availability.getReadinessState() == ReadinessState.ACCEPTING_TRAFFIC);
            });
  }

  @Test
  void withTheAgentAttachedTheStarterNeitherWaitsNorQuitsButReports() {
    System.setProperty(MeshProbeRuntime.AGENT_PROPERTY, "0.1.0-SNAPSHOT"); // the agent sets its version
    runner
        .withInitializer(new MeshProbeStartupInitializer())
        .withPropertyValues(istio.properties())
        .withPropertyValues("meshprobe.quit=always")
        .withUserConfiguration(SeesTheProxy.class)
        .run(
            context -> {
              assertThat(context.getBean(SeesTheProxy.class).readyWhenCreated).isFalse();
              assertThat(context.getBean(MeshProbeRuntime.class).quitPending()).isFalse();
              assertThat(context).hasBean("meshprobeHealthIndicator");
              istio.ready(true);
              HealthIndicator indicator = context.getBean("meshprobeHealthIndicator", HealthIndicator.class);
              await().atMost(Duration.ofSeconds(5)).until(() -> indicator.health().getStatus().equals(Status.UP));
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnProbe {
    final MeshProbe probe = MeshProbe.builder().mesh(MeshType.NONE).build();

    @Bean
    MeshProbe myProbe() {
      return probe;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnIndicator {
    static final HealthIndicator INDICATOR = () -> Health.up().build();

    @Bean
    HealthIndicator meshprobeHealthIndicator() {
      return INDICATOR;
    }
  }

  /** Stands for a connection pool: records whether the proxy was ready when it was created. */
  @Configuration(proxyBeanMethods = false)
  static class SeesTheProxy {
    final boolean readyWhenCreated;

    SeesTheProxy(MeshProbe probe) {
      this.readyWhenCreated = probe.isReady();
    }
  }
}
