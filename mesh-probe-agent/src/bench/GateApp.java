import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;

/**
 * The gate-mode head-start benchmark app: "init" (a 1.5 s sleep standing for the app's own start-up work), then
 * its first outbound call, a connect to the TEST-NET address 192.0.2.1 (non-loopback, so the gate holds it; it
 * fails or times out after 1 ms once released). Prints {@code released <epochMillis>} when that connect comes back.
 * With a readiness URL as second argument (no agent), it polls that URL every 8 ms after init, like an app that
 * waits for the proxy itself.
 */
public class GateApp {
  public static void main(String[] a) throws Exception {
    Thread.sleep(Long.parseLong(a[0]));
    if (a.length > 1) {
      while (!ready(a[1])) {
        Thread.sleep(8);
      }
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("192.0.2.1", 9), 1);
    } catch (IOException expected) {
      // unreachable or timed out: what matters is when the call was let through
    }
    System.out.println("released " + System.currentTimeMillis());
  }

  private static boolean ready(String url) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(1000);
      int code = c.getResponseCode();
      c.disconnect();
      return code == 200;
    } catch (IOException e) {
      return false;
    }
  }
}
