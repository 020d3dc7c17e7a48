package io.meshprobe.samples.job;

import io.meshprobe.MeshProbe;
import io.meshprobe.QuitResult;
import io.meshprobe.WaitResult;
import io.meshprobe.status.Identity;
import io.meshprobe.status.MeshStatus;
import io.meshprobe.status.PortStatus;

/**
 * A batch job in a meshed pod, written the way mesh-probe suggests: wait for the proxy before the first outbound
 * call, do the work, and ask the proxy to quit at the end (success or failure), so the Job's pod completes.
 *
 * <p>Configuration comes from {@code meshprobe.*} system properties or {@code MESHPROBE_*} environment variables;
 * in a real pod the defaults fit.
 */
public final class NightlyExportJob {
  private NightlyExportJob() {}

  public static void main(String[] args) {
    System.exit(run());
  }

  /** Runs the job and returns its exit code. */
  public static int run() {
    try (MeshProbe probe = MeshProbe.create()) {
      WaitResult ready = probe.awaitReady();
      System.out.println("[job] " + ready.detection() + ": " + ready.outcome());
      if (ready.isReady()) {
        printStatus(probe.refreshStatus());
      }
      int exitCode;
      try {
        exportRecords();
        exitCode = 0;
      } catch (RuntimeException e) {
        System.out.println("[job] failed: " + e);
        exitCode = 1;
      } finally {
        QuitResult quit = probe.quitProxy();
        System.out.println("[job] proxy quit: " + quit.outcome());
      }
      return exitCode;
    }
  }

  /** What the proxy says about this pod, from the public status model only. */
  static void printStatus(MeshStatus s) {
    Identity id = s.identity();
    String version = s.proxy().version();
    System.out.println("[job] mesh      " + s.proxy().mesh() + " (" + s.proxy().kind() + (version == null ? "" : " " + version) + ")");
    System.out.println("[job] identity  " + (id == null || id.name() == null ? "unknown" : id.name()));
    System.out.println("[job] expires   " + (id == null || id.notAfter() == null ? "unknown" : id.notAfter().toString()));
    System.out.println("[job] mtls      " + s.mtls());
    for (PortStatus p : s.ports()) {
      System.out.println("[job] port      " + p.port() + " " + p.protocol() + " mtls " + p.mtls());
    }
    System.out.println("[job] findings  " + s.findings().size() + (s.findings().isEmpty() ? "" : " (run the doctor CLI for details)"));
  }

  private static void exportRecords() {
    // A real job would now call its database and an API through the mesh.
    for (int i = 1; i <= 3; i++) {
      System.out.println("[job] exported record " + i + " of 3");
    }
  }
}
