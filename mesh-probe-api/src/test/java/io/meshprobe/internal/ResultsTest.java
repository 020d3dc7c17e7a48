package io.meshprobe.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.QuitOutcome;
import io.meshprobe.status.Severity;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

class ResultsTest {

  /**
   * In a fresh class loader, where nothing of the library was initialised, the first call is to {@link Results}: it
   * must initialise the public package's class that registers the constructors, not find them missing.
   */
  @Test
  void firstUseInAFreshLoaderFindsTheConstructors() throws Exception {
    URL classes = Results.class.getProtectionDomain().getCodeSource().getLocation();
    try (URLClassLoader fresh = new URLClassLoader(new URL[] {classes}, ClassLoader.getSystemClassLoader().getParent())) {
      Class<?> results = Class.forName(Results.class.getName(), true, fresh);
      Class<?> outcome = fresh.loadClass(QuitOutcome.class.getName());
      Method quit = results.getMethod("quitResult", outcome, String.class);
      Object r = quit.invoke(null, outcome.getEnumConstants()[0], "accepted");
      assertThat(r.getClass().getClassLoader()).isSameAs(fresh);
      assertThat(r).hasToString("SUCCESS: accepted");

      Class<?> severity = fresh.loadClass(Severity.class.getName());
      Method finding = results.getMethod("finding", String.class, severity, String.class);
      assertThat(finding.invoke(null, "ambient", severity.getEnumConstants()[0], "no sidecar")).hasToString("INFO ambient: no sidecar");
    }
  }

  @Test
  void theBuildersMakeEqualValues() {
    assertThat(Results.detection(io.meshprobe.MeshType.LINKERD, io.meshprobe.Detection.Source.POD_ANNOTATION, "pod annotation x").version("edge-1").build())
        .isEqualTo(DetectionBuilder.from(Results.detection(io.meshprobe.MeshType.LINKERD, io.meshprobe.Detection.Source.POD_ANNOTATION, "pod annotation x").version("edge-1").build()).build());
  }
}
