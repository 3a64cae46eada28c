package io.mws.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes text frames whose payload is already UTF-8 bytes to one WebSocket, without a flush per frame.
 * Vert.x 5.0 offers neither: {@code writeTextMessage} takes a String and encodes it on every call, and every
 * write outside a read is flushed at once. So this is the one class that reaches under Vert.x, through
 * {@link WebSocketInternal#channelHandlerContext()} (the context Vert.x itself writes frames with, so a frame
 * passes the same deflate and frame encoders), as {@link InboundMessageLimits} does for the pipeline. A frame is
 * written on the channel's event loop and flushed by that loop's {@link TurnFlush}. Frames keep the order
 * they were written in, from any thread: once one is queued to the loop, the later ones queue behind it.
 */
final class WebSocketChannel {
  private final ChannelHandlerContext context;
  private final EventLoop loop;
  /** Frames handed to the loop and not yet written: while any is, a write on the loop queues too. */
  private final AtomicInteger queued = new AtomicInteger();
  /** Whether this turn's flush already lists it; on the loop only. */
  private boolean flushPending;

  WebSocketChannel(ServerWebSocket socket) {
    this.context = ((WebSocketInternal) socket).channelHandlerContext();
    this.loop = context.channel().eventLoop();
  }

  /**
   * Writes one final text frame of these UTF-8 bytes (released once written); {@code done} hears when they
   * have reached the operating system, or failed (the channel closed first).
   */
  void write(ByteBuf utf8, ChannelFutureListener done) {
    if (loop.inEventLoop() && queued.get() == 0) {
      writeNow(utf8, done);
      return;
    }
    queued.incrementAndGet();
    try {
      loop.execute(() -> {
        queued.decrementAndGet();
        writeNow(utf8, done);
      });
    } catch (RejectedExecutionException e) { // the loop is shutting down with the node
      queued.decrementAndGet();
      utf8.release();
      failed(done);
    }
  }

  private void writeNow(ByteBuf utf8, ChannelFutureListener done) {
    if (!context.channel().isActive()) {
      utf8.release();
      failed(done);
      return;
    }
    context.write(new TextWebSocketFrame(true, 0, utf8)).addListener(done);
    if (!flushPending) {
      flushPending = true;
      TurnFlush.of(loop).add(this);
    }
  }

  private void failed(ChannelFutureListener done) {
    try {
      done.operationComplete(context.newFailedFuture(new ClosedChannelException()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Called by {@link TurnFlush} on the loop. */
  void flush() {
    flushPending = false;
    context.flush();
  }
}
