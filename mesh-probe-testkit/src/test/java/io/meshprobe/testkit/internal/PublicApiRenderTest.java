package io.meshprobe.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.testkit.apifixture.ApiFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublicApiRenderTest {

  @Test
  void rendersPublicAndProtectedMembersWithGenericSignaturesSorted(@TempDir Path dir) throws Exception {
    Path root = PublicApi.classesRoot(ApiFixture.class);
    Path pkg = Files.createDirectories(dir.resolve("io/meshprobe/testkit/apifixture"));
    for (String name : new String[] {"ApiFixture", "ApiFixture$Hidden", "ApiFixture$Listener"}) {
      Files.copy(root.resolve("io/meshprobe/testkit/apifixture/" + name + ".class"), pkg.resolve(name + ".class"));
    }
    String dump = PublicApi.render(dir, getClass().getClassLoader());
    assertThat(dump)
        .isEqualTo(
            "public class io.meshprobe.testkit.apifixture.ApiFixture<T extends java.lang.Comparable<T>> {\n"
                + "  constructor protected ApiFixture()\n"
                + "  constructor public ApiFixture(T)\n"
                + "  field protected int forSubclasses\n"
                + "  field public static final java.lang.String CONSTANT\n"
                + "  method public <K> java.util.Map<K, java.util.List<? extends T>> generic(K, java.lang.String...)"
                + " throws java.io.IOException\n"
                + "}\n\n"
                + "public interface io.meshprobe.testkit.apifixture.ApiFixture$Listener {\n"
                + "  method public default void onEvent(java.util.List<? super java.lang.Number>)\n"
                + "  method public void required()\n"
                + "}\n\n");
  }

  @Test
  void leavesInternalPackagesOut(@TempDir Path dir) throws Exception {
    Path pkg = Files.createDirectories(dir.resolve("io/meshprobe/testkit/internal"));
    Files.copy(PublicApi.classesRoot(PublicApi.class).resolve("io/meshprobe/testkit/internal/PublicApi.class"), pkg.resolve("PublicApi.class"));
    assertThat(PublicApi.render(dir, getClass().getClassLoader())).isEmpty();
  }

  @Test
  void diffNamesTheClassAndTheLinesThatWentAndCame() {
    String before = "public final class a.B {\n  method public int x()\n  method public int y()\n}\n\npublic final class a.C {\n}\n\n";
    String after = "public final class a.B {\n  method public int x()\n  method public long y()\n}\n\npublic final class a.D {\n}\n\n";
    assertThat(PublicApi.diff(before, after))
        .isEqualTo(
            "  public final class a.B\n"
                + "  - method public int y()\n"
                + "  + method public long y()\n"
                + "- public final class a.C\n"
                + "+ public final class a.D\n");
  }

  @Test
  void readsThePublicFlagFromTheClassFile() throws Exception {
    Path root = PublicApi.classesRoot(ApiFixture.class);
    assertThat(PublicApi.publicInClassFile(Files.readAllBytes(root.resolve("io/meshprobe/testkit/apifixture/ApiFixture.class")))).isTrue();
    assertThat(PublicApi.publicInClassFile(Files.readAllBytes(root.resolve("io/meshprobe/testkit/apifixture/ApiFixture$Listener.class")))).isTrue();
    assertThat(PublicApi.publicInClassFile(Files.readAllBytes(root.resolve("io/meshprobe/testkit/apifixture/ApiFixture$Hidden.class")))).isFalse();
  }
}
