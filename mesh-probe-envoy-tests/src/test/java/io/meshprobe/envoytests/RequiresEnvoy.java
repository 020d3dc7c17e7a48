package io.meshprobe.envoytests;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test class that needs the real {@code envoy} binary. Without one the class is skipped, and the suite prints one
 * line saying how to install it; with {@code -Dmeshprobe.envoy.required=true} (CI) a missing binary fails instead.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(EnvoyCondition.class)
public @interface RequiresEnvoy {}
