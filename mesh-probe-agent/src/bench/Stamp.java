/** A second -javaagent placed after mesh-probe's: its premain runs the moment mesh-probe's premain returns. */
public class Stamp {
  public static void premain(String a, java.lang.instrument.Instrumentation i) {
    System.out.println("premain-end " + System.currentTimeMillis());
  }
}
