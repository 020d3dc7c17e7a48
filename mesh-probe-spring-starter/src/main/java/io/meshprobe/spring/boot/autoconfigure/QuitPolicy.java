package io.meshprobe.spring.boot.autoconfigure;

import io.meshprobe.QuitRule;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/** Values of the scalar key {@code meshprobe.quit}, shared with the agent; Boot binds this enum, the rule is {@link QuitRule}'s. */
public enum QuitPolicy {
  /**
   * Quit when the app ends on its own (its work is done, SpringApplication.exit, System.exit, a start-up failure),
   * never when the JVM ends because of SIGTERM/SIGINT/SIGHUP: then the pod is being deleted and the kubelet stops
   * the proxy itself. Never in a long-running service (pod labels of a Deployment, or {@code meshprobe.workload=service}),
   * nor from a JVM that does not own the pod's quit; see {@link QuitRule}.
   */
  AUTO,
  /** Quit whenever the JVM shuts down, signals included. */
  ALWAYS,
  /** Never quit. */
  NEVER;

  /** The key. It is a value, while {@code meshprobe.quit.*} holds the quit settings. */
  public static final String KEY = "meshprobe.quit";

  /** The library's value: the one quit rule ({@link QuitRule}) is the library's, shared with the agent. */
  public QuitRule.Policy rule() {
    return QuitRule.Policy.valueOf(name());
  }

  /** Reads {@code meshprobe.quit} (any property source, {@code MESHPROBE_QUIT} included); {@link #AUTO} if unset. */
  public static QuitPolicy from(Environment environment) {
    return Binder.get(environment).bind(KEY, Bindable.of(QuitPolicy.class)).orElse(AUTO);
  }
}
