package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.MeshProbe;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

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

    QuitRule.Facts facts = new QuitRule.Facts();
    facts.policy = QuitPolicy.from(environment);
    facts.agentAttached = agent;
    facts.testContext = environment.containsProperty(TEST_CONTEXT_MARKER);
    facts.webApp = isWebApp(context);
    facts.quitOnFailure = properties.getQuit().isOnFailure();

    MeshProbe probe = MeshProbes.create(properties);
    boolean hold = !agent && (mode == MeshProbeProperties.WaitMode.PARALLEL || mode == MeshProbeProperties.WaitMode.GATE);
    MeshProbeRuntime runtime = new MeshProbeRuntime(probe, context, hold, facts, properties.getPorts().isEmpty());
    // A manually registered singleton is not destroyed with the context: the runtime closes the probe itself.
    context.getBeanFactory().registerSingleton(MeshProbeRuntime.BEAN_NAME, runtime);
    context.addApplicationListener(runtime);

    // Registered before the wait, so that a start-up that fails on the wait still quits a job's proxy.
    boolean mayQuit = QuitRule.decide(factsAtStart(facts)).quit;
    if (mayQuit) {
      TerminationSignals.install();
      runtime.markQuitPending();
      SpringApplication.getShutdownHandlers().add(runtime::onJvmShutdown);
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

  /** The facts known at start: no signal yet, no failure yet; used to skip the handler when it could never quit. */
  private static QuitRule.Facts factsAtStart(QuitRule.Facts facts) {
    QuitRule.Facts f = new QuitRule.Facts();
    f.policy = facts.policy;
    f.agentAttached = facts.agentAttached;
    f.testContext = facts.testContext;
    f.webApp = facts.webApp;
    f.quitOnFailure = true;
    return f;
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
    for (Class<?> type : ClassUtils.getAllInterfacesForClassAsSet(context.getClass())) {
      String name = type.getName();
      if (name.equals("org.springframework.web.context.WebApplicationContext") || name.endsWith(".ReactiveWebApplicationContext")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
