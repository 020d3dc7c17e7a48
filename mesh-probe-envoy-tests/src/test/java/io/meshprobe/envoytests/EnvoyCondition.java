package io.meshprobe.envoytests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Runs a {@link RequiresEnvoy} class only when the envoy binary is there (or fails it when it is required). */
public final class EnvoyCondition implements ExecutionCondition {
  static final String REQUIRED = "meshprobe.envoy.required";
  private static final AtomicBoolean SAID = new AtomicBoolean();
  private static final AtomicBoolean LOGGING = new AtomicBoolean();

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    logToFile();
    if (EnvoyBinary.find().isPresent()) {
      return ConditionEvaluationResult.enabled("envoy at " + EnvoyBinary.find().get());
    }
    if (Boolean.getBoolean(REQUIRED)) {
      // Enabled on purpose: the harness then fails with the same install hint.
      return ConditionEvaluationResult.enabled(REQUIRED + "=true and no envoy: the tests fail");
    }
    String line = "real-Envoy suite SKIPPED: no envoy binary on the PATH; " + EnvoyBinary.INSTALL_HINT;
    if (SAID.compareAndSet(false, true)) {
      System.out.println(line);
    }
    return ConditionEvaluationResult.disabled(line);
  }

  /** mesh-probe's and the control plane's java.util.logging lines go to target/envoy-tests/jul.log, not the console. */
  static void logToFile() {
    if (!LOGGING.compareAndSet(false, true)) {
      return;
    }
    try {
      Path dir = outDir();
      Files.createDirectories(dir);
      FileHandler file = new FileHandler(dir.resolve("jul.log").toString(), true);
      file.setFormatter(new SimpleFormatter());
      Logger root = Logger.getLogger("");
      for (Handler h : root.getHandlers()) {
        root.removeHandler(h);
      }
      root.addHandler(file);
    } catch (IOException e) {
      System.out.println("real-Envoy suite: cannot open its log file: " + e);
    }
  }

  /** Where the suite writes (Envoy's dirs, logs, outputs): target/envoy-tests. */
  static Path outDir() {
    return Paths.get(System.getProperty("envoytests.out", "target/envoy-tests")).toAbsolutePath();
  }
}
