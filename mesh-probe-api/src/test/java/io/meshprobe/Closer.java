package io.meshprobe;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Closes what a test opened, after each test: {@code @RegisterExtension final Closer closer = new Closer();}. */
final class Closer implements AfterEachCallback {
  private final List<AutoCloseable> open = new ArrayList<>();

  <T extends AutoCloseable> T track(T t) {
    open.add(t);
    return t;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }
}
