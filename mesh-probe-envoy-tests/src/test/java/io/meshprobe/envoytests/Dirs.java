package io.meshprobe.envoytests;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/** A fresh directory under target/envoy-tests for each Envoy the suite starts. */
final class Dirs {
  private static final AtomicInteger NEXT = new AtomicInteger();

  private Dirs() {}

  static Path next(String name) {
    return EnvoyCondition.outDir().resolve(name + "-" + NEXT.incrementAndGet());
  }
}
