package io.meshprobe.benchmarks;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;

/**
 * The app that the whole-process benchmarks start in a forked JVM, with or without the agent. JDK types only, so
 * its class path is just this module's classes. Prints {@code main-start <epochMillis>} first, then, in the order
 * given:
 *
 * <ul>
 *   <li>{@code init=<ms>}: simulates the app's own initialisation by sleeping that long;
 *   <li>{@code call=<url>}: one HTTP GET (the first outbound call), retried until it answers 200 (at most 20 s),
 *       then prints {@code called <epochMillis> attempts=<n>};
 *   <li>{@code hook=<ms>}: registers a shutdown hook that works for that long (like a flush) and prints
 *       {@code hook-end <epochMillis>} as its very last action.
 * </ul>
 */
public final class BenchApp {
  private BenchApp() {}

  public static void main(String[] args) throws Exception {
    System.out.println("main-start " + System.currentTimeMillis());
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      switch (kv[0]) {
        case "init" -> Thread.sleep(Long.parseLong(kv[1]));
        case "call" -> call(kv[1]);
        case "hook" -> {
          long work = Long.parseLong(kv[1]);
          Runtime.getRuntime().addShutdownHook(new Thread(() -> hook(work), "app-hook"));
        }
        default -> throw new IllegalArgumentException(arg);
      }
    }
  }

  private static void call(String url) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    int attempts = 0;
    while (true) {
      attempts++;
      try {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(20_000);
        c.setReadTimeout(20_000);
        int code = c.getResponseCode();
        try (InputStream in = c.getInputStream()) {
          in.readAllBytes();
        }
        if (code == 200) {
          System.out.println("called " + System.currentTimeMillis() + " attempts=" + attempts);
          return;
        }
      } catch (java.io.IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      Thread.sleep(5);
    }
  }

  private static void hook(long work) {
    long end = System.nanoTime() + work * 1_000_000L;
    while (System.nanoTime() < end) {
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        return;
      }
    }
    System.out.println("hook-end " + System.currentTimeMillis());
    System.out.flush();
  }
}
