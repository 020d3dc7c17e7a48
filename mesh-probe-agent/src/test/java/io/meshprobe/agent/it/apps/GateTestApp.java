package io.meshprobe.agent.it.apps;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The gate ITs' app, in a forked JVM with the agent in gate mode: one outbound client per mode, printing
 * {@code <what> <value>} lines to stdout. Modes: {@code nio=HOST:PORT} (non-blocking {@code SocketChannel} with a
 * selector), {@code async=HOST:PORT} ({@code AsynchronousSocketChannel}, Future and handler),
 * {@code netty-epoll=HOST:PORT} / {@code netty-nio=HOST:PORT} (Netty 4.2; an inbound server on loopback runs on
 * the same single event loop, answers "pong" to each request and ends the app after a "bye" once connected), {@code grpc-epoll=HOST:PORT} (gRPC's relocated Netty 4.1, epoll),
 * {@code loopback=PORT} (Socket and non-blocking channel to 127.0.0.1), {@code props} (what the agent left in the
 * system properties).
 */
public final class GateTestApp {
  public static void main(String[] args) throws Exception {
    System.out.println("main-start " + System.currentTimeMillis());
    for (String arg : args) {
      String[] kv = arg.split("=", 2);
      String v = kv.length > 1 ? kv[1] : "";
      // Classic switch, no Java 9+ language: the apps compile for the oldest JVM the ITs run on (see the pom).
      switch (kv[0]) {
        case "nio":
          nio(address(v));
          break;
        case "async":
          async(address(v));
          break;
        case "netty-epoll":
          netty(address(v), true);
          break;
        case "netty-nio":
          netty(address(v), false);
          break;
        case "grpc-epoll":
          GrpcNettyClient.connect(address(v));
          break;
        case "loopback":
          loopback(Integer.parseInt(v));
          break;
        case "props":
          props();
          break;
        default:
          throw new IllegalArgumentException(arg);
      }
    }
    System.out.println("main-end");
  }

  static InetSocketAddress address(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }

  static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  /** Non-blocking connect, then a selector: how plain NIO clients (and the JDK's HttpClient) connect. */
  private static void nio(InetSocketAddress target) throws Exception {
    try (SocketChannel ch = SocketChannel.open();
        Selector selector = Selector.open()) {
      ch.configureBlocking(false);
      long t0 = System.nanoTime();
      boolean connected = ch.connect(target);
      System.out.println("nio-connect-returned " + connected + " ms " + millisSince(t0));
      System.out.println("nio-pending " + ch.isConnectionPending() + " finish " + ch.finishConnect());
      SelectionKey key = ch.register(selector, SelectionKey.OP_CONNECT);
      int wakeups = 0;
      while (!connected) {
        selector.select(60_000);
        wakeups++;
        if (key.isValid() && key.isConnectable()) {
          connected = ch.finishConnect();
        }
        selector.selectedKeys().clear();
      }
      System.out.println("nio-connected " + System.currentTimeMillis() + " wakeups " + wakeups);
    }
  }

  private static void async(InetSocketAddress target) throws Exception {
    try (AsynchronousSocketChannel a = AsynchronousSocketChannel.open();
        AsynchronousSocketChannel b = AsynchronousSocketChannel.open()) {
      long t0 = System.nanoTime();
      Future<Void> f = a.connect(target);
      System.out.println("async-future-returned ms " + millisSince(t0) + " done " + f.isDone());
      CountDownLatch handled = new CountDownLatch(1);
      t0 = System.nanoTime();
      b.connect(
          target,
          "attachment",
          new CompletionHandler<Void, String>() {
            @Override
            public void completed(Void result, String attachment) {
              System.out.println("async-handler-connected " + System.currentTimeMillis() + " " + attachment);
              handled.countDown();
            }

            @Override
            public void failed(Throwable exc, String attachment) {
              System.out.println("async-handler-failed " + exc);
              handled.countDown();
            }
          });
      System.out.println("async-handler-returned ms " + millisSince(t0));
      f.get(60, TimeUnit.SECONDS);
      System.out.println("async-future-connected " + System.currentTimeMillis());
      handled.await(60, TimeUnit.SECONDS);
    }
  }

  /**
   * One event loop thread for an inbound server on loopback (answers "pong\n" to whatever it reads) and an outbound
   * client: the outbound connect must not stall the inbound requests while the gate holds it.
   */
  private static void netty(InetSocketAddress target, boolean epoll) throws Exception {
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    CountDownLatch bye = new CountDownLatch(1);
    try {
      Channel server =
          new ServerBootstrap()
              .group(loop)
              .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                  if (((io.netty.buffer.ByteBuf) msg).toString(StandardCharsets.US_ASCII).startsWith("bye")) {
                                    bye.countDown();
                                  }
                                  ReferenceCountUtil.release(msg);
                                  ctx.writeAndFlush(Unpooled.copiedBuffer("pong\n", StandardCharsets.US_ASCII));
                                }
                              });
                    }
                  })
              .bind("127.0.0.1", 0)
              .sync()
              .channel();
      System.out.println("server " + ((InetSocketAddress) server.localAddress()).getPort());
      CountDownLatch done = new CountDownLatch(1);
      ChannelFuture connect =
          new Bootstrap()
              .group(loop)
              .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .handler(new ChannelInboundHandlerAdapter())
              .connect(target);
      System.out.println("connect-started " + System.currentTimeMillis() + " " + connect.channel().getClass().getSimpleName());
      connect.addListener(
          f -> {
            System.out.println(
                f.isSuccess()
                    ? "connected " + System.currentTimeMillis() + " local " + connect.channel().localAddress()
                    : "connect-failed " + f.cause());
            done.countDown();
          });
      done.await(60, TimeUnit.SECONDS);
      connect.channel().close().sync();
      bye.await(30, TimeUnit.SECONDS); // the test's last inbound request ("bye"), or the test gave up
      server.close().sync();
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** Loopback is never gated: both connects complete while the gate is shut. */
  private static void loopback(int port) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      System.out.println("loopback-socket-connected " + System.currentTimeMillis());
    }
    try (SocketChannel ch = SocketChannel.open()) {
      ch.configureBlocking(false);
      boolean connected = ch.connect(new InetSocketAddress("127.0.0.1", port));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!connected && System.nanoTime() < end) {
        connected = ch.finishConnect();
        Thread.onSpinWait();
      }
      System.out.println("loopback-channel-connected " + connected + " " + System.currentTimeMillis());
    }
  }

  /**
   * Lists the system properties that are not Strings or mention meshprobe, once the agent's hook is gone (it leaves
   * right after the gate opened and the patched classes got their bytes back; 10 s at most).
   */
  private static void props() throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.getProperties().values().stream().anyMatch(v -> !(v instanceof String)) && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    System.getProperties().forEach((k, v) -> {
      if (!(v instanceof String) || String.valueOf(k).contains("meshprobe")) {
        System.out.println("prop " + k + " " + (v instanceof String ? "string" : v.getClass().getName()));
      }
    });
    System.out.println("props-end");
  }
}
