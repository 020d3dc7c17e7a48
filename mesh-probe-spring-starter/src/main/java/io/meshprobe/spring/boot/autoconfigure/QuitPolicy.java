package io.meshprobe.spring.boot.autoconfigure;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/** Values of the scalar key {@code meshprobe.quit}, shared with the agent. */
public enum QuitPolicy {
  /**
   * Quit when the app ends on its own (its work is done, SpringApplication.exit, System.exit, a start-up failure),
   * never when the JVM ends because of SIGTERM/SIGINT/SIGHUP: then the pod is being deleted and the kubelet stops
   * the proxy itself.
   */
  AUTO,
  /** Quit whenever the JVM shuts down, signals included. */
  ALWAYS,
  /** Never quit. */
  NEVER;

  /** The key. It is a value, while {@code meshprobe.quit.*} holds the quit settings. */
  public static final String KEY = "meshprobe.quit";

  /** Reads {@code meshprobe.quit} (any property source, {@code MESHPROBE_QUIT} included); {@link #AUTO} if unset. */
  public static QuitPolicy from(Environment environment) {
    return Binder.get(environment).bind(KEY, Bindable.of(QuitPolicy.class)).orElse(AUTO);
  }
}
