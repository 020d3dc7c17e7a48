package io.meshprobe.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshprobe.spring.boot.autoconfigure.apps.JobApp;
import io.meshprobe.spring.boot.autoconfigure.apps.ServiceApp;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Real JVMs, real SpringApplication, real shutdown: the quit rule end to end. */
class ForkedAppTest {
  private FakeIstio istio;
  private Path log;

  @BeforeEach
  void start(TestInfo test) throws Exception {
    istio = new FakeIstio(false);
    Path dir = Path.of("target", "forked-apps");
    Files.createDirectories(dir);
    log = dir.resolve(test.getTestMethod().orElseThrow().getName() + ".log");
  }

  @AfterEach
  void stop() {
    istio.close();
  }

  @Test
  void aJobWaitsForTheProxyEndsAndQuitsItAfterItsLastCall() throws Exception {
    Thread flip = flipReadyAfterThreePolls();
    Process app = fork(JobApp.class, "--spring.main.web-application-type=none");
    assertThat(app.waitFor(60, TimeUnit.SECONDS)).as("the job's JVM ends by itself").isTrue();
    flip.join();
    assertThat(app.exitValue()).isZero();
    List<String> seen = istio.requests();
    int work = seen.indexOf("GET /app/work");
    int last = seen.indexOf("GET /app/last-call");
    int quit = seen.indexOf("POST /quitquitquit");
    assertThat(work).as("block mode: the work started only once the proxy was ready").isGreaterThan(readyAt);
    assertThat(last).isGreaterThan(work);
    assertThat(quit).as("the quit comes after the app's last outbound call").isGreaterThan(last);
    assertThat(Files.readString(log)).contains("asked the proxy to quit, the app ended on its own: SUCCESS");
  }

  @Test
  void aJobThatExitsKeepsItsExitCodeAndQuits() throws Exception {
    istio.ready(true);
    Process app = fork(JobApp.class, "--spring.main.web-application-type=none", "--exit-code=3");
    assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(app.exitValue()).isEqualTo(3);
    List<String> seen = istio.requests();
    assertThat(seen.indexOf("POST /quitquitquit")).isGreaterThan(seen.indexOf("GET /app/last-call"));
  }

  @Test
  void aJobThatFailedKeepsTheProxyWithOnFailureFalse() throws Exception {
    istio.ready(true);
    Process app = fork(JobApp.class, "--spring.main.web-application-type=none", "--exit-code=2", "--meshprobe.quit.on-failure=false");
    assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(app.exitValue()).isEqualTo(2);
    assertThat(istio.requests()).contains("GET /app/last-call").doesNotContain("POST /quitquitquit");
    assertThat(Files.readString(log)).contains("not quitting the proxy, the app failed and meshprobe.quit.on-failure=false");
  }

  @Test
  void aServiceStoppedBySigtermLeavesTheProxyAlone() throws Exception {
    istio.ready(true);
    Process app = fork(ServiceApp.class, "--server.port=0");
    istio.awaitRequest("GET /app/started", Duration.ofSeconds(60));
    app.destroy(); // SIGTERM, as the kubelet sends it
    assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(istio.requests()).doesNotContain("POST /quitquitquit");
    // The handler did run and decided: the absence of the quit is not an accident.
    assertThat(Files.readString(log)).contains("not quitting the proxy, the JVM was stopped by SIGTERM");
  }

  @Test
  void aWebAppFailingAtStartUpInADeploymentPodSendsNoQuitButInAJobPodItDoes() throws Exception {
    istio.ready(true);
    Path podinfo = Files.createDirectories(Path.of("target", "forked-apps", "podinfo-" + System.nanoTime()));
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Files.writeString(podinfo.resolve("labels"), "app=\"orders\"\npod-template-hash=\"7d9f8c\"\n");
      Process app = fork(ServiceApp.class, "--server.port=" + taken.getLocalPort(), "--server.address=127.0.0.1", "--meshprobe.podinfo.dir=" + podinfo);
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(app.exitValue()).as("the port is taken: start-up fails").isNotZero();
      assertThat(istio.requests()).doesNotContain("POST /quitquitquit");
      assertThat(Files.readString(log)).contains("mesh-probe: this app never quits the proxy: a long-running service (pod labels in");

      Files.writeString(podinfo.resolve("labels"), "batch.kubernetes.io/job-name=\"orders-migration\"\njob-name=\"orders-migration\"\n");
      app = fork(ServiceApp.class, "--server.port=" + taken.getLocalPort(), "--server.address=127.0.0.1", "--meshprobe.podinfo.dir=" + podinfo);
      assertThat(app.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(app.exitValue()).isNotZero();
      assertThat(istio.requests()).contains("POST /quitquitquit");
      assertThat(Files.readString(log)).contains("asked the proxy to quit, the Job's work is over (failed)");
    }
  }

  private volatile int readyAt = Integer.MAX_VALUE;

  private Thread flipReadyAfterThreePolls() {
    Thread t =
        new Thread(
            () -> {
              org.awaitility.Awaitility.await()
                  .atMost(Duration.ofSeconds(60))
                  .until(() -> istio.requests().stream().filter("GET /healthz/ready"::equals).count() >= 3);
              readyAt = istio.requests().size();
              istio.ready(true);
            });
    t.start();
    return t;
  }

  private Process fork(Class<?> main, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(main.getName());
    cmd.add("--fake=" + istio.url());
    boolean ownPodinfo = Arrays.stream(args).anyMatch(a -> a.startsWith("--meshprobe.podinfo.dir="));
    for (String p : istio.properties()) {
      if (!(ownPodinfo && p.startsWith("meshprobe.podinfo.dir="))) {
        cmd.add("--" + p);
      }
    }
    cmd.add("--meshprobe.wait.interval=50ms");
    cmd.addAll(Arrays.asList(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).directory(new File(".")).start();
  }
}
