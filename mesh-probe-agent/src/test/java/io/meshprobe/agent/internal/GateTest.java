package io.meshprobe.agent.internal;

import static io.meshprobe.agent.it.TestNetwork.nonLoopbackAddress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Gate}'s answers, called the way the patched JDK methods call it ({@code Object[] {site, this, args...}}),
 * on real, unpatched channels in this JVM: what it defers, what it answers meanwhile, and the real connect it
 * issues when it opens. The target is a server socket of this JVM on this machine's own non-loopback address.
 */
class GateTest {
  private ServerSocket server;
  private InetSocketAddress target;
  private final Gate gate = new Gate(System.nanoTime() + TimeUnit.SECONDS.toNanos(30));

  @BeforeEach
  void server() throws Exception {
    server = new ServerSocket(0, 50, null);
    target = new InetSocketAddress(nonLoopbackAddress(), server.getLocalPort());
  }

  @AfterEach
  void close() throws Exception {
    server.close();
  }

  @Test
  void aNonBlockingConnectIsDeferredAndIssuedWhenTheGateOpens() throws Exception {
    try (SocketChannel ch = SocketChannel.open();
        Selector selector = Selector.open()) {
      ch.configureBlocking(false);
      assertThat(gate.apply(new Object[] {Gate.CHANNEL_CONNECT, ch, target})).isEqualTo(Boolean.FALSE);
      assertThat(ch.isConnectionPending()).as("nothing was done to the real channel").isFalse();
      assertThat(gate.apply(new Object[] {Gate.FINISH_CONNECT, ch})).isEqualTo(Boolean.FALSE);
      assertThat(gate.apply(new Object[] {Gate.CONNECTION_PENDING, ch})).isEqualTo(Boolean.TRUE);
      assertThatThrownBy(() -> gate.apply(new Object[] {Gate.CHANNEL_CONNECT, ch, target})).isInstanceOf(ConnectionPendingException.class);

      SelectionKey key = ch.register(selector, 0);
      assertThat(gate.apply(new Object[] {Gate.INTEREST_OPS, key, SelectionKey.OP_CONNECT | SelectionKey.OP_READ}))
          .as("OP_CONNECT kept out of the key")
          .isEqualTo(SelectionKey.OP_READ);
      assertThat(gate.held()).isEqualTo(1);

      gate.open();
      assertThat(ch.isConnectionPending() || ch.isConnected()).as("the real connect was issued").isTrue();
      assertThat(key.interestOps() & SelectionKey.OP_CONNECT).as("OP_CONNECT given back").isNotZero();
      assertThat(gate.apply(new Object[] {Gate.FINISH_CONNECT, ch})).as("finishConnect runs as it is").isNull();
      assertThat(gate.apply(new Object[] {Gate.INTEREST_OPS, key, SelectionKey.OP_CONNECT})).isNull();
      try (Socket accepted = server.accept()) {
        assertThat(selector.select(10_000)).isEqualTo(1);
        assertThat(ch.finishConnect()).isTrue();
      }
    }
  }

  @Test
  void anAsynchronousConnectGetsAFutureAtOnceAndTheRealOutcomeLater() throws Exception {
    try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
      Object answer = gate.apply(new Object[] {Gate.ASYNC_CONNECT, ch, target, null, null});
      assertThat(answer).isInstanceOf(Future.class);
      Future<?> future = (Future<?>) answer;
      assertThat(future).isNotDone();
      assertThat(ch.getRemoteAddress()).isNull();
      gate.open();
      try (Socket accepted = server.accept()) {
        future.get(10, TimeUnit.SECONDS);
        assertThat(ch.getRemoteAddress()).isEqualTo(target);
      }
    }
  }

  @Test
  void blockingConnectsLoopbackAndTheOpenGatePassWithoutAnAnswer() throws Exception {
    try (SocketChannel blocking = SocketChannel.open();
        SocketChannel loopback = SocketChannel.open()) {
      loopback.configureBlocking(false);
      assertThat(gate.apply(new Object[] {Gate.CHANNEL_CONNECT, loopback, new InetSocketAddress(InetAddress.getLoopbackAddress(), 1)})).isNull();
      assertThat(gate.apply(new Object[] {Gate.SOCKET, new Socket(), InetSocketAddress.createUnresolved("example.invalid", 80), 0})).isNull();
      gate.open();
      assertThat(gate.apply(new Object[] {Gate.CHANNEL_CONNECT, blocking, target})).isNull();
      try (SocketChannel late = SocketChannel.open()) {
        late.configureBlocking(false);
        assertThat(gate.apply(new Object[] {Gate.CHANNEL_CONNECT, late, target})).as("after the gate opened").isNull();
      }
      assertThat(gate.held()).isZero();
    }
  }

  @Test
  void aBlockingConnectWaitsForTheGate() throws Exception {
    try (SocketChannel blocking = SocketChannel.open()) {
      Thread opener = new Thread(gate::open);
      Thread caller =
          new Thread(() -> gate.apply(new Object[] {Gate.CHANNEL_CONNECT, blocking, target}), "held-caller");
      caller.start();
      // The caller parks in the gate: wait until it does (bounded), then open.
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (caller.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      assertThat(caller.getState()).isEqualTo(Thread.State.TIMED_WAITING);
      assertThat(gate.held()).isEqualTo(1);
      opener.start();
      caller.join(10_000);
      assertThat(caller.isAlive()).isFalse();
    }
  }

}
