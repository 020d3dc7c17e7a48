package io.meshprobe.agent.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Gate mode's connect hook ({@link JdkPatcher#CONNECT}): until the proxy is ready, an outbound connect to a
 * non-loopback address waits; loopback (and the wildcard address) always passes, and so does the agent's own
 * waiting thread. The gate opens for good when the wait ends, whatever its outcome: ready, no mesh, or timeout
 * (fail open). Each blocked connect also gives up on its own at the wait deadline.
 */
final class Gate implements Function<Object, Object> {
  private final CountDownLatch latch = new CountDownLatch(1);
  private final long deadlineNanos;
  private final AtomicInteger held = new AtomicInteger();
  private volatile boolean open;
  private volatile Thread waiter;

  Gate(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  void waiter(Thread t) {
    waiter = t;
  }

  void open() {
    open = true;
    latch.countDown();
  }

  boolean isOpen() {
    return open;
  }

  /** How many connects had to wait. */
  int held() {
    return held.get();
  }

  @Override
  public Object apply(Object address) {
    if (open || !(address instanceof InetSocketAddress) || Thread.currentThread() == waiter) {
      return address;
    }
    InetSocketAddress isa = (InetSocketAddress) address;
    InetAddress a = isa.getAddress();
    boolean local = a == null ? "localhost".equalsIgnoreCase(isa.getHostString()) : a.isLoopbackAddress() || a.isAnyLocalAddress();
    if (local) {
      return address;
    }
    held.incrementAndGet();
    try {
      long left = deadlineNanos - System.nanoTime();
      if (left > 0 && !latch.await(left, TimeUnit.NANOSECONDS)) {
        AgentLog.warn("connect to " + isa + " went ahead without the proxy: the wait timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the connect itself reports the interrupt
    }
    return address;
  }
}
