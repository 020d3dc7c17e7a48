package io.meshprobe.agent.it.apps;

/** A JVM with nothing but the JDK: prints {@code main-start}, then runs until killed (or for {@code args[0]} ms). */
public final class PlainMain {
  public static void main(String[] args) throws Exception {
    System.out.println("main-start");
    Thread.sleep(args.length > 0 ? Long.parseLong(args[0]) : Long.MAX_VALUE);
  }
}
