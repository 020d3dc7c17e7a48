package io.meshprobe.envoytests;

/** The app of {@link UnblockBenchmark}: prints the epoch millis at which its {@code main} runs, and ends. */
public final class UnblockApp {
  private UnblockApp() {}

  public static void main(String[] args) {
    System.out.println("main epochMillis=" + System.currentTimeMillis());
  }
}
