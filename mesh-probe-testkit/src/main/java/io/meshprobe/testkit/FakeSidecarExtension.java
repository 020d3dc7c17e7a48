package io.meshprobe.testkit;

import java.util.function.Consumer;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit Jupiter extension: a fresh {@link FakeSidecar} on free ports before each test, closed after it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static FakeSidecarExtension sidecar = FakeSidecarExtension.istio(b -> b.readyManually());
 *
 * @Test
 * void waitsForReadiness(FakeSidecar proxy) { ... proxy.becomeReady(); ... }
 * }</pre>
 *
 * <p>Test and {@code @BeforeEach} methods can declare a {@link FakeSidecar} parameter, or call {@link #get()}.
 * With two such extensions in one class, use {@link #get()} (the parameter would be ambiguous). The customiser
 * runs after {@code freePorts()}, so it may still pin a port. Uses only extension interfaces that are the same
 * in JUnit 5 and 6. Not meant for tests of one class running concurrently.
 */
public final class FakeSidecarExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

  private final Personality personality;
  private final Consumer<FakeSidecar.Builder> customiser;
  private volatile FakeSidecar current;

  private FakeSidecarExtension(Personality personality, Consumer<FakeSidecar.Builder> customiser) {
    this.personality = personality;
    this.customiser = customiser;
  }

  /** An Istio sidecar per test, configured by {@code customiser} (after {@code freePorts()}). */
  public static FakeSidecarExtension istio(Consumer<FakeSidecar.Builder> customiser) {
    return new FakeSidecarExtension(Personality.ISTIO, customiser);
  }

  /** An Istio sidecar per test with the defaults (ready at once). */
  public static FakeSidecarExtension istio() {
    return istio(null);
  }

  /** A Linkerd proxy per test, configured by {@code customiser} (after {@code freePorts()}). */
  public static FakeSidecarExtension linkerd(Consumer<FakeSidecar.Builder> customiser) {
    return new FakeSidecarExtension(Personality.LINKERD, customiser);
  }

  /** A Linkerd proxy per test with the defaults. */
  public static FakeSidecarExtension linkerd() {
    return linkerd(null);
  }

  /** A generic Envoy admin per test, configured by {@code customiser} (after {@code freePorts()}). */
  public static FakeSidecarExtension envoy(Consumer<FakeSidecar.Builder> customiser) {
    return new FakeSidecarExtension(Personality.ENVOY, customiser);
  }

  /** A generic Envoy admin per test with the defaults. */
  public static FakeSidecarExtension envoy() {
    return envoy(null);
  }

  /**
   * The sidecar of the running test.
   *
   * @throws IllegalStateException outside a test
   */
  public FakeSidecar get() {
    FakeSidecar s = current;
    if (s == null) {
      throw new IllegalStateException("no fake sidecar: get() works inside a test (after beforeEach)");
    }
    return s;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    FakeSidecar.Builder b = FakeSidecar.builder(personality).freePorts();
    if (customiser != null) {
      customiser.accept(b);
    }
    current = b.start();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    FakeSidecar s = current;
    current = null;
    if (s != null) {
      s.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == FakeSidecar.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    FakeSidecar s = current;
    if (s == null) {
      throw new ParameterResolutionException("no fake sidecar yet: a FakeSidecar parameter works in test and "
          + "@BeforeEach/@AfterEach methods, not in constructors or @BeforeAll");
    }
    return s;
  }
}
