package io.mws.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes text frames whose payload is already UTF-8 bytes to one WebSocket, without a flush per frame.
 * Vert.x 5.0 offers neither: {@code writeTextMessage} takes a String and encodes it on every call, and every
 * write outside a read is flushed at once. So this is the one class that reaches under Vert.x, through
 * {@link WebSocketInternal#channelHandlerContext()} (the context Vert.x itself writes frames with, so a frame
 * passes the same deflate and frame encoders), as {@link InboundMessageLimits} does for the pipeline. A frame
 * is written on the channel's event loop (at once when written there, else handed over) and flushed by that
 * loop's {@link LoopWriter} at the end of the turn. Frames
 * keep the order they were written in, from any thread: once one is queued to the loop, the later ones queue
 * behind it.
 * Vert.x's own byte counters (vertx_http_server_bytes_written) do not see these frames (docs/kubernetes.md).
 */
final class WebSocketChannel {
  private final ChannelHandlerContext context;
  private final EventLoop loop;
  private final LoopWriter writer;
  /** Frames handed to the loop and not yet written: while any is, a write on the loop queues too. */
  private final AtomicInteger posted = new AtomicInteger();
  /** Whether this turn's flush already lists it; on the loop only. */
  private boolean flushPending;

  WebSocketChannel(ServerWebSocket socket) {
    this.context = ((WebSocketInternal) socket).channelHandlerContext();
    this.loop = context.channel().eventLoop();
    this.writer = LoopWriter.of(loop);
  }

  /**
   * Writes one final text frame: {@code head}, then the readable bytes of {@code shared}, both UTF-8. They are
   * copied, on the socket's loop, into one buffer of the channel's pooled allocator (which the write releases):
   * a watcher's frame leaves no garbage behind, and {@code shared} is only read, by absolute index, so the
   * loops of many sockets may copy it at once. {@code done} hears when the frame has reached the operating
   * system, or failed (the channel closed first).
   */
  void write(byte[] head, ByteBuf shared, ChannelFutureListener done) {
    if (loop.inEventLoop() && posted.get() == 0) {
      writeNow(head, shared, done);
      return;
    }
    posted.incrementAndGet();
    writer.offer(() -> {
      posted.decrementAndGet();
      writeNow(head, shared, done);
    });
  }

  private void writeNow(byte[] head, ByteBuf shared, ChannelFutureListener done) {
    if (!context.channel().isActive()) {
      failed(done);
      return;
    }
    int size = shared.readableBytes();
    var payload = context.alloc().buffer(head.length + size).writeBytes(head).writeBytes(shared, shared.readerIndex(),
        size);
    context.write(new TextWebSocketFrame(true, 0, payload)).addListener(done);
    if (!flushPending) {
      flushPending = true;
      writer.flushLater(this);
    }
  }

  private void failed(ChannelFutureListener done) {
    try {
      done.operationComplete(context.newFailedFuture(new ClosedChannelException()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Called by {@link LoopWriter} on the loop. */
  void flush() {
    flushPending = false;
    context.flush();
  }
}
