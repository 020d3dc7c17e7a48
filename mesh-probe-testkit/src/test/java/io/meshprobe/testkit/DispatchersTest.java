package io.meshprobe.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import org.junit.jupiter.api.Test;

import io.meshprobe.testkit.internal.Dispatcher;

/**
 * The table of paths each port serves (which decides where a fault may be scripted) and the dispatchers that
 * answer them are written apart: they must agree, on every port of every personality.
 */
class DispatchersTest {

  private final Http.Log log = new Http.Log();

  @Test
  void everyListedPathIsAnsweredAndNoOtherIs() throws Exception {
    for (Personality personality : Personality.values()) {
      try (FakeSidecar s = FakeSidecar.builder(personality).freePorts().log(log.stream).shutdownEnabled(true)
          .stopOnQuit(false).start()) {
        for (SidecarPort port : personality.ports()) {
          Set<String> paths = Dispatcher.paths(port);
          assertThat(paths).as("%s %s", personality, port).isNotEmpty();
          for (String path : paths) {
            // GET: the quit and drain endpoints answer 405 to it, so nothing stops or changes state here
            assertThat(Http.get(s.url(port) + path).status()).as("%s %s GET %s", personality, port, path)
                .isNotEqualTo(404);
          }
          assertThat(Http.get(s.url(port) + "/not-served").status()).as("%s %s", personality, port).isEqualTo(404);
        }
        assertThat(s.isStopped()).isFalse();
      }
    }
  }

  @Test
  void aFaultOnAPathServedByNoPortIsRefusedAtBuild() {
    assertThatThrownBy(() -> FakeSidecar.linkerd().fault("/config_dump", Fault.reset()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("fault on /config_dump: no linkerd port serves that path");
  }
}
