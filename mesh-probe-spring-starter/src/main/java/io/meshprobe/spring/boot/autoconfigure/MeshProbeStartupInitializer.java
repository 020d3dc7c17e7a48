package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import io.meshprobe.QuitRule;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * Waits for the proxy before the application context is refreshed, and arranges the quit. Registered in
 * {@code META-INF/spring.factories}, so every {@code SpringApplication} runs it.
 *
 * <h2>Why an ApplicationContextInitializer</h2>
 *
 * The wait must end before anything opens a connection through the proxy: DataSource pools, Kafka and Redis clients,
 * HTTP clients warming up, all of which are created while the context is refreshed. An initializer runs after the
 * {@code Environment} is complete (application.yml, profiles, environment variables: all {@code meshprobe.*} keys are
 * visible) and after logging is set up, but before the refresh creates a single bean. The alternatives were worse:
 *
 * <ul>
 *   <li>an {@code EnvironmentPostProcessor} runs before logging is initialised (our lines would bypass the app's log
 *       format), and its interface moved package between Boot 3.5 and 4;
 *   <li>a {@code BeanFactoryPostProcessor} runs inside the refresh, after other post-processors may have been created
 *       and too late to be sure nothing connected;
 *   <li>an {@code ApplicationStartingEvent} listener runs before application.yml is read.
 * </ul>
 *
 * Not covered: remote configuration loaded while the {@code Environment} is prepared ({@code spring.config.import} of
 * a config server or Vault) runs before any initializer. For those apps attach the mesh-probe agent, whose wait
 * happens in {@code premain}.
 *
 * <p>Lowest precedence: other initializers may add property sources, and {@code meshprobe.*} keys in them count. The
 * wait is still before the refresh. Only the top context of a hierarchy waits (Spring Cloud's bootstrap context is a
 * parent, so its remote calls come after the wait too); a child context shares its parent's probe.
 */
public final class MeshProbeStartupInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {
  private static final Log LOG = LogFactory.getLog(MeshProbeStartupInitializer.class);

  /** Added by Spring Boot's test support to every test context's environment. */
  private static final String TEST_CONTEXT_MARKER = "org.springframework.boot.test.context.SpringBootTestContextBootstrapper";

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    if (hasRuntime(context)) {
      return;
    }
    ConfigurableEnvironment environment = context.getEnvironment();
    MeshProbeProperties properties = MeshProbes.bind(environment);
    if (!properties.isEnabled()) {
      return;
    }
    boolean agent = MeshProbeRuntime.agentInstalled();
    MeshProbeProperties.WaitMode mode = properties.getWait().getMode();

    MeshProbe probe = MeshProbes.create(properties);
    QuitRule.Facts.Builder facts = quitFacts(probe, environment, context, agent, properties);
    boolean hold = !agent && (mode == MeshProbeProperties.WaitMode.PARALLEL || mode == MeshProbeProperties.WaitMode.GATE);
    MeshProbeRuntime runtime = new MeshProbeRuntime(probe, context, hold, facts, properties.getPorts().isEmpty());
    // A manually registered singleton is not destroyed with the context: the runtime closes the probe itself.
    context.getBeanFactory().registerSingleton(MeshProbeRuntime.BEAN_NAME, runtime);
    context.addApplicationListener(runtime);

    // Registered before the wait, so that a start-up that fails on the wait still quits a job's proxy.
    QuitRule.Decision atStart = QuitRule.decide(factsAtStart(facts));
    if (atStart.quit()) {
      TerminationSignals.install();
      runtime.markQuitPending();
      SpringApplication.getShutdownHandlers().add(runtime::onJvmShutdown);
    } else if (facts.build().policy() == QuitRule.Policy.AUTO && !agent && !facts.build().testContext()) {
      // A fact of the pod (a service, not the quit's owner): said once, since it is not what the app's config says.
      LOG.info("mesh-probe: this app never quits the proxy: " + atStart.reason());
    } else {
      LOG.debug("mesh-probe: this app never quits the proxy: " + atStart.reason());
    }

    if (agent) {
      LOG.debug("mesh-probe: the agent is attached; the starter neither waits nor quits, it only reports");
      runtime.watch();
    } else if (mode == MeshProbeProperties.WaitMode.BLOCK) {
      runtime.awaitNow();
    } else {
      runtime.watch();
    }
  }

  /**
   * The facts known at start, for the library's one quit rule: the library's own (system properties, environment, pod
   * labels in the probe's {@code meshprobe.podinfo.dir}, the process tree), then Boot's view of the keys it binds
   * ({@code application.yml} and friends), and what only Spring knows: the agent, a test context, a web application.
   */
  static QuitRule.Facts.Builder quitFacts(
      MeshProbe probe, ConfigurableEnvironment environment, ApplicationContext context, boolean agent, MeshProbeProperties properties) {
    QuitRule.Facts.Builder facts = QuitRule.facts(probe);
    facts.policy(QuitPolicy.from(environment).rule());
    facts.managedBy(agent ? "the mesh-probe agent" : null);
    facts.testContext(environment.containsProperty(TEST_CONTEXT_MARKER));
    facts.serves(isWebApp(context));
    Boolean quitOnFailure = properties.getQuit().getOnFailure();
    if (quitOnFailure != null) { // unset: the rule's default (true)
      facts.quitOnFailure(quitOnFailure);
    }
    Binder binder = Binder.get(environment);
    String workload = binder.bind(WORKLOAD, String.class).orElse(null);
    if (workload != null) {
      QuitRule.Workload w = QuitRule.Workload.parse(workload);
      if (w == null) {
        LOG.warn("mesh-probe: " + WORKLOAD + "='" + workload + "' is not auto, job or service; using the pod labels");
      } else if (w != QuitRule.Workload.UNKNOWN) {
        facts.workload(w, WORKLOAD + "=" + workload.trim());
      }
    }
    String owner = binder.bind(OWNER, String.class).orElse(null);
    if (owner != null && (owner.trim().equalsIgnoreCase("true") || owner.trim().equalsIgnoreCase("false"))) {
      facts.owner(Boolean.parseBoolean(owner.trim()), OWNER + "=" + owner.trim().toLowerCase(java.util.Locale.ROOT));
    }
    return facts;
  }

  private static final String WORKLOAD = "meshprobe.workload";
  private static final String OWNER = "meshprobe.quit.owner";

  /** The facts known at start: no signal yet, no failure yet; used to skip the handler when it could never quit. */
  private static QuitRule.Facts factsAtStart(QuitRule.Facts.Builder facts) {
    return facts.build().toBuilder().signal(null).failed(false).startupFailed(false).quitOnFailure(true).build();
  }

  private static boolean hasRuntime(ConfigurableApplicationContext context) {
    if (context.getBeanFactory().containsSingleton(MeshProbeRuntime.BEAN_NAME)) {
      return true;
    }
    for (ApplicationContext parent = context.getParent(); parent != null; parent = parent.getParent()) {
      BeanFactory factory = parent.getAutowireCapableBeanFactory();
      if (factory.containsBean(MeshProbeRuntime.BEAN_NAME)) {
        return true;
      }
    }
    return false;
  }

  /** Servlet or reactive web context, Boot 3.5 or 4: a long-running service. */
  static boolean isWebApp(ApplicationContext context) {
    // By name (web classes may be absent), through super-interfaces too: ServletWebServerApplicationContext reaches
    // WebApplicationContext only through ConfigurableWebApplicationContext, which ClassUtils' interface set omits.
    java.util.Deque<Class<?>> todo = new java.util.ArrayDeque<>();
    java.util.Set<Class<?>> seen = new java.util.HashSet<>();
    todo.add(context.getClass());
    while (!todo.isEmpty()) {
      Class<?> type = todo.poll();
      if (!seen.add(type)) {
        continue;
      }
      String name = type.getName();
      if (name.equals("org.springframework.web.context.WebApplicationContext") || name.endsWith(".ReactiveWebApplicationContext")) {
        return true;
      }
      if (type.getSuperclass() != null) {
        todo.add(type.getSuperclass());
      }
      todo.addAll(java.util.Arrays.asList(type.getInterfaces()));
    }
    return false;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
