package io.meshprobe.agent.internal;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Gate mode's connect hook ({@link JdkPatcher#CONNECT}): until the wait for the proxy ends, an outbound connect to a
 * non-loopback address does not go out. Loopback (and the wildcard address) always passes, and so does the agent's
 * own waiting thread. The gate opens for good when the wait ends, whatever its outcome: ready, no mesh, or timeout
 * (fail open); then the patched classes get their original bytes back ({@link JdkPatcher#restoreGate}), so later
 * connects pay nothing.
 *
 * <p><b>Hold the connection, not the thread.</b> Only a connect whose API is blocking waits in its caller's thread:
 * {@code Socket.connect}, a blocking {@code SocketChannel} ({@code connect}, {@code socket().connect()}). A
 * non-blocking or asynchronous connect returns at once, as it would while a slow handshake is under way, and the
 * real connect is <em>deferred</em>: no SYN leaves the socket until the gate opens, then the agent's thread issues
 * it and the connect completes the way the API says it does. Why deferring rather than connecting and hiding the
 * completion: the point of the gate is that nothing reaches the network before the proxy can take it (with Istio's
 * redirect, a connect before Envoy listens is refused), and a socket cannot be pointed elsewhere once its connect
 * started. Per API:
 *
 * <ul>
 *   <li><b>Non-blocking {@code SocketChannel}</b>: {@code connect} answers {@code false} without touching the
 *       socket; {@code finishConnect} answers {@code false} ("not yet") and {@code isConnectionPending} {@code true}
 *       until the gate opens. A selector must not see the unconnected socket (Linux reports it as hung up, which
 *       would wake the loop again and again, and Netty's NIO transport treats a connectable key whose
 *       {@code finishConnect} says "not yet" as an error), so {@code OP_CONNECT} is kept out of the interest set of
 *       its keys ({@code SelectionKeyImpl.interestOps}, {@code interestOpsOr}): with no interest, the JDK's epoll
 *       selector does not even register the socket. When the gate opens the agent's thread calls the real
 *       {@code connect} (non-blocking, so it returns at once), then puts {@code OP_CONNECT} back into those keys and
 *       wakes their selectors: the loop then sees the connect complete as usual. A blocking {@code finishConnect}
 *       on a deferred channel waits for the gate. Netty's NIO transport goes through exactly this path.
 *   <li><b>{@code AsynchronousSocketChannel}</b> ({@code UnixAsynchronousSocketChannelImpl.implConnect}): the
 *       {@code connect} call returns at once, with a {@code CompletableFuture} that the agent completes from the
 *       real connect's outcome once the gate opens; with a {@code CompletionHandler}, the real connect is started
 *       then with the app's own handler and attachment, so the handler runs as the channel group runs it.
 *   <li><b>Netty epoll</b> ({@code AbstractEpollChannel.doConnect0}, also in relocated copies such as gRPC's):
 *       {@code doConnect0} answers {@code false} ("pending") without calling the native connect and without asking
 *       for {@code EPOLLOUT}, so the channel waits with its connect promise open and its event loop stays free.
 *       Netty registers the socket edge-triggered, so an idle unconnected socket raises no event. When the gate
 *       opens, the agent hands a task to the channel's own event loop, which calls {@code doConnect} again (the real
 *       native connect, {@code EPOLLOUT} requested, the local address recorded): Netty then finishes the connect on
 *       {@code EPOLLOUT} as always. Netty's own connect timeout ({@code CONNECT_TIMEOUT_MILLIS}, 30 s by default)
 *       keeps running meanwhile: a gate that stays shut longer fails the connect like a slow network would.
 * </ul>
 *
 * <p>Limits: a {@code SocketChannel} registered for {@code OP_CONNECT} <em>before</em> its {@code connect} call
 * keeps that interest (its keys cannot be found from the channel), so its selector wakes until the gate opens
 * (JDK and Netty register after connecting); kqueue and io_uring transports and other native clients are not
 * gated; a connect that fails at once when the gate opens (no route) closes the channel, so the app sees a closed
 * channel (or, in Netty, a failed promise) rather than the exact error.
 */
final class Gate implements Function<Object, Object> {
  // The site names the patched methods hand over as element 0 (JdkPatcher.gateSite).
  static final String SOCKET = "socket";
  static final String CHANNEL_CONNECT = "channel.connect";
  static final String BLOCKING_CONNECT = "channel.blockingConnect";
  static final String FINISH_CONNECT = "channel.finishConnect";
  static final String CONNECTION_PENDING = "channel.isConnectionPending";
  static final String INTEREST_OPS = "key.interestOps";
  static final String ASYNC_CONNECT = "async.connect";
  static final String NETTY_CONNECT = "netty.connect";

  private final CountDownLatch latch = new CountDownLatch(1);
  private final long deadlineNanos;
  private final AtomicInteger held = new AtomicInteger();
  private final Object lock = new Object();
  /** Deferred connects by channel (SocketChannelImpl and Netty channels compare by identity). */
  private final Map<Object, Deferred> deferred = new ConcurrentHashMap<Object, Deferred>();
  private volatile boolean open;
  private volatile Thread waiter;
  private Instrumentation inst;
  private JdkPatcher patcher;

  Gate(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  /**
   * Stores the hook, then has the JDK's connect paths patched (as they load; Netty's too). On premain's path, where
   * it loads no class of its own beyond the transformer's.
   */
  void install(Instrumentation inst, JdkPatcher patcher) throws Exception {
    this.inst = inst;
    this.patcher = patcher;
    System.getProperties().put(JdkPatcher.CONNECT, this);
    patcher.enableGate();
    patcher.patchWhenLoaded(inst, JdkPatcher.GATE_JDK);
  }

  void waiter(Thread t) {
    waiter = t;
  }

  /**
   * Opens the gate for good: wakes the held threads, issues the deferred connects, gives the patched classes their
   * bytes back, then removes the hook. Called once, by the waiting thread.
   */
  void open() {
    List<Deferred> pending;
    synchronized (lock) {
      open = true;
      pending = new ArrayList<Deferred>(deferred.values());
    }
    latch.countDown();
    for (Deferred d : pending) {
      d.release();
    }
    if (inst != null) {
      patcher.restoreGate(inst);
    }
    System.getProperties().remove(JdkPatcher.CONNECT);
  }

  boolean isOpen() {
    return open;
  }

  /** How many connects were held or deferred. */
  int held() {
    return held.get();
  }

  @Override
  public Object apply(Object argument) {
    if (!(argument instanceof Object[])) {
      return null;
    }
    Object[] a = (Object[]) argument;
    String site = (String) a[0];
    if (site.equals(INTEREST_OPS)) {
      return interestOps(a);
    }
    if (site.equals(FINISH_CONNECT) || site.equals(CONNECTION_PENDING)) {
      return pendingAnswer(site, (SocketChannel) a[1]);
    }
    Object channel = a[1];
    Deferred d = deferred.isEmpty() ? null : deferred.get(channel);
    if (d != null) {
      if (d.releaser == Thread.currentThread()) {
        return null; // the agent issuing the real connect
      }
      throw new ConnectionPendingException();
    }
    SocketAddress address = (SocketAddress) a[2];
    if (open || Thread.currentThread() == waiter || !gated(address)) {
      return null;
    }
    if (site.equals(SOCKET) || site.equals(BLOCKING_CONNECT)) {
      hold(address);
      return null;
    }
    if (site.equals(CHANNEL_CONNECT)) {
      SocketChannel ch = (SocketChannel) channel;
      if (ch.isBlocking()) {
        hold(address);
        return null;
      }
      if (!ch.isOpen() || ch.isConnected() || ch.isConnectionPending()) {
        return null; // the JDK throws what it throws
      }
      return defer(new Deferred(Deferred.NIO, channel, address, null, null, null), Boolean.FALSE);
    }
    if (site.equals(ASYNC_CONNECT)) {
      try {
        AsynchronousSocketChannel ch = (AsynchronousSocketChannel) channel;
        if (!ch.isOpen() || ch.getRemoteAddress() != null) {
          return null; // the JDK throws what it throws
        }
      } catch (java.io.IOException closed) {
        return null;
      }
      CompletableFuture<Void> future = new CompletableFuture<Void>();
      @SuppressWarnings("unchecked")
      CompletionHandler<Void, Object> handler = (CompletionHandler<Void, Object>) a[4];
      return defer(new Deferred(Deferred.ASYNC, channel, address, a[3], handler, future), future);
    }
    if (site.equals(NETTY_CONNECT)) {
      return defer(new Deferred(Deferred.NETTY, channel, address, null, null, null), Boolean.FALSE);
    }
    return null;
  }

  /** Loopback, the wildcard address, Unix sockets and unresolved names (the JDK refuses them) pass. */
  private static boolean gated(SocketAddress address) {
    if (!(address instanceof InetSocketAddress)) {
      return false;
    }
    InetSocketAddress isa = (InetSocketAddress) address;
    InetAddress a = isa.getAddress();
    if (a == null) {
      return false;
    }
    return !a.isLoopbackAddress() && !a.isAnyLocalAddress();
  }

  private Object defer(Deferred d, Object answer) {
    synchronized (lock) {
      if (open) {
        return null;
      }
      deferred.put(d.channel, d);
    }
    held.incrementAndGet();
    AgentLog.debug("connect to " + d.address + " deferred until the proxy is ready");
    return answer;
  }

  /** Blocks the caller of a blocking connect until the gate opens, at most until the wait's deadline. */
  private void hold(SocketAddress address) {
    held.incrementAndGet();
    try {
      long left = deadlineNanos - System.nanoTime();
      if (left > 0 && !latch.await(left, TimeUnit.NANOSECONDS)) {
        AgentLog.warn("connect to " + address + " went ahead without the proxy: the wait timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the connect itself reports the interrupt
    }
  }

  /** {@code finishConnect}: "not yet" (or, blocking, wait); {@code isConnectionPending}: yes, while deferred. */
  private Object pendingAnswer(String site, SocketChannel ch) {
    Deferred d = deferred.isEmpty() ? null : deferred.get(ch);
    if (d == null || d.releaser == Thread.currentThread()) {
      return null;
    }
    if (site.equals(CONNECTION_PENDING)) {
      return Boolean.TRUE;
    }
    if (!ch.isBlocking()) {
      return Boolean.FALSE;
    }
    d.awaitIssued();
    return null;
  }

  /** Keeps {@code OP_CONNECT} out of a deferred channel's keys: its selector must not see the idle socket. */
  private Object interestOps(Object[] a) {
    int ops = (Integer) a[2];
    if ((ops & SelectionKey.OP_CONNECT) == 0 || deferred.isEmpty()) {
      return null;
    }
    SelectionKey key = (SelectionKey) a[1];
    Deferred d = deferred.get(key.channel());
    if (d == null || d.releaser == Thread.currentThread()) {
      return null;
    }
    d.keys.add(key);
    return Integer.valueOf(ops & ~SelectionKey.OP_CONNECT);
  }

  /** One deferred connect and how to issue it for real. */
  private final class Deferred {
    static final int NIO = 0;
    static final int ASYNC = 1;
    static final int NETTY = 2;

    final int kind;
    final Object channel;
    final SocketAddress address;
    final Object attachment;
    final CompletionHandler<Void, Object> handler;
    final CompletableFuture<Void> future;
    final List<SelectionKey> keys = new CopyOnWriteArrayList<SelectionKey>();
    private final CountDownLatch issued = new CountDownLatch(1);
    volatile Thread releaser;

    Deferred(
        int kind,
        Object channel,
        SocketAddress address,
        Object attachment,
        CompletionHandler<Void, Object> handler,
        CompletableFuture<Void> future) {
      this.kind = kind;
      this.channel = channel;
      this.address = address;
      this.attachment = attachment;
      this.handler = handler;
      this.future = future;
    }

    void awaitIssued() {
      try {
        issued.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Issues the real connect; never throws. */
    void release() {
      if (kind == NETTY) {
        releaseOnEventLoop();
        return;
      }
      releaser = Thread.currentThread();
      try {
        if (kind == NIO) {
          releaseChannel();
        } else {
          releaseAsync();
        }
      } catch (Throwable t) {
        AgentLog.debug("deferred connect to " + address + " failed: " + t);
      } finally {
        done();
      }
      if (kind == NIO) {
        for (SelectionKey key : keys) {
          try {
            key.interestOps(key.interestOps() | SelectionKey.OP_CONNECT);
            key.selector().wakeup();
          } catch (RuntimeException cancelled) {
            // the app closed the channel or the selector meanwhile
          }
        }
      }
    }

    private void done() {
      deferred.remove(channel);
      issued.countDown();
    }

    private void releaseChannel() throws Exception {
      SocketChannel ch = (SocketChannel) channel;
      if (ch.isOpen()) {
        ch.connect(address); // non-blocking: the handshake completes later, as for any connect
      }
    }

    private void releaseAsync() {
      AsynchronousSocketChannel ch = (AsynchronousSocketChannel) channel;
      if (future.isCancelled()) {
        return;
      }
      try {
        if (handler != null) {
          ch.connect(address, attachment, handler);
        } else {
          ch.connect(
              address,
              null,
              new CompletionHandler<Void, Object>() {
                @Override
                public void completed(Void result, Object ignored) {
                  future.complete(null);
                }

                @Override
                public void failed(Throwable exc, Object ignored) {
                  future.completeExceptionally(exc);
                }
              });
        }
      } catch (RuntimeException e) {
        if (handler != null) {
          handler.failed(e, attachment);
        } else {
          future.completeExceptionally(e);
        }
      }
    }

    /** Netty's channel state belongs to its event loop: the real connect runs there. */
    private void releaseOnEventLoop() {
      try {
        Executor loop = (Executor) channel.getClass().getMethod("eventLoop").invoke(channel);
        loop.execute(
            new Runnable() {
              @Override
              public void run() {
                releaser = Thread.currentThread();
                try {
                  nettyConnect();
                } finally {
                  done();
                }
              }
            });
      } catch (Throwable t) {
        done();
        AgentLog.debug("deferred Netty connect to " + address + " not issued: " + t);
      }
    }

    private void nettyConnect() {
      try {
        if (!(Boolean) channel.getClass().getMethod("isOpen").invoke(channel)) {
          return; // e.g. Netty's connect timeout closed it meanwhile
        }
        Method doConnect = find(channel.getClass(), "doConnect", SocketAddress.class, SocketAddress.class);
        boolean connected = (Boolean) doConnect.invoke(channel, address, null);
        if (connected) {
          // At once (not seen for TCP outside loopback): let Netty finish it as if EPOLLOUT had come.
          Object unsafe = channel.getClass().getMethod("unsafe").invoke(channel);
          find(unsafe.getClass(), "epollOutReady").invoke(unsafe);
        }
      } catch (Throwable t) {
        Throwable cause = t instanceof InvocationTargetException ? t.getCause() : t;
        failNettyConnect(cause);
      }
    }

    /** Fails the channel's connect promise, as Netty does when its own connect throws, and closes the channel. */
    private void failNettyConnect(Throwable cause) {
      try {
        Field f = findField(channel.getClass(), "connectPromise");
        Object promise = f.get(channel);
        if (promise != null) {
          promise.getClass().getMethod("tryFailure", Throwable.class).invoke(promise, cause);
        }
        channel.getClass().getMethod("close").invoke(channel);
      } catch (Throwable t) {
        AgentLog.debug("deferred Netty connect to " + address + " failed (" + cause + ") and could not be reported: " + t);
      }
    }
  }

  private static Method find(Class<?> c, String name, Class<?>... params) throws NoSuchMethodException {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      try {
        Method m = k.getDeclaredMethod(name, params);
        m.setAccessible(true);
        return m;
      } catch (NoSuchMethodException next) {
        // up
      }
    }
    throw new NoSuchMethodException(c.getName() + "." + name);
  }

  private static Field findField(Class<?> c, String name) throws NoSuchFieldException {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      try {
        Field f = k.getDeclaredField(name);
        f.setAccessible(true);
        return f;
      } catch (NoSuchFieldException next) {
        // up
      }
    }
    throw new NoSuchFieldException(c.getName() + "." + name);
  }
}
