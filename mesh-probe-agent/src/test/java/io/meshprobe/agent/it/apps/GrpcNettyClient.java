package io.meshprobe.agent.it.apps;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.channel.ChannelFuture;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An outbound connect through gRPC's relocated Netty 4.1 epoll transport (what grpc-java uses on Linux). */
final class GrpcNettyClient {
  private GrpcNettyClient() {}

  static void connect(InetSocketAddress target) throws Exception {
    EventLoopGroup loop = new EpollEventLoopGroup(1);
    try {
      CountDownLatch done = new CountDownLatch(1);
      ChannelFuture connect = new Bootstrap().group(loop).channel(EpollSocketChannel.class).handler(new ChannelInboundHandlerAdapter()).connect(target);
      System.out.println("connect-started " + System.currentTimeMillis() + " " + connect.channel().getClass().getName());
      connect.addListener(
          f -> {
            System.out.println(f.isSuccess() ? "connected " + System.currentTimeMillis() : "connect-failed " + f.cause());
            done.countDown();
          });
      done.await(60, TimeUnit.SECONDS);
      connect.channel().close().sync();
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }
}
