package io.meshprobe.testkit.apifixture;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** Rendered by {@code io.meshprobe.testkit.internal.PublicApiRenderTest}. */
public class ApiFixture<T extends Comparable<T>> {
  public static final String CONSTANT = "c";
  protected int forSubclasses;
  int packagePrivate;

  public ApiFixture(T value) {}

  protected ApiFixture() {}

  public <K> Map<K, List<? extends T>> generic(K key, String... rest) throws IOException {
    return null;
  }

  void hidden() {}

  /** Not exported: package-private. */
  static class Hidden {
    public void notListed() {}
  }

  /** Exported: public inside a public class. */
  public interface Listener {
    default void onEvent(List<? super Number> events) {}

    void required();
  }
}
