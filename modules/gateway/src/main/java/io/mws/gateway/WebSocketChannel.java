package io.mws.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes text frames whose payload is already UTF-8 bytes to one WebSocket, without a flush per frame.
 * Vert.x 5.0 offers neither: {@code writeTextMessage} takes a String and encodes it on every call, and every
 * write outside a read is flushed at once. So this is the one class that reaches under Vert.x, through
 * {@link WebSocketInternal#channelHandlerContext()} (the context Vert.x itself writes frames with), as
 * {@link InboundMessageLimits} does for the pipeline. Without an extension (permessage-deflate) the frame is
 * framed here, header and payload in one pooled buffer, and written from the frame encoder's place in the pipeline,
 * past it (it would pass a ready frame on untouched): no second buffer, no second copy, no frame object. With one,
 * it passes the extension and the frame encoder as Vert.x's own frames do. A frame is written on the channel's event
 * loop (at once when written there, else handed over) and flushed by that loop's {@link LoopWriter} at the end of the
 * turn. Frames keep the order they were written in, from any thread: once one is queued to the loop, the later ones
 * queue behind it.
 * Vert.x's own byte counters (vertx_http_server_bytes_written) do not see these frames (docs/kubernetes.md).
 */
final class WebSocketChannel {
  /**
   * What the socket's outbound buffer adds to each frame's bytes in its count ({@link #pendingBytes}): Netty's
   * default per-entry overhead ({@code io.netty.transport.outboundBufferEntrySizeOverhead}).
   */
  static final int ENTRY_OVERHEAD = 96;

  private final ChannelHandlerContext context;
  private final EventLoop loop;
  private final LoopWriter writer;
  /** Completes a change's write, which nobody waits for, without a promise per frame; failures are not fired down the pipeline. */
  private final ChannelPromise unwatched;
  /** Frames handed to the loop and not yet written: while any is, a write on the loop queues too. */
  private final AtomicInteger posted = new AtomicInteger();
  /** The bytes of those frames, which the outbound buffer does not count yet. */
  private final AtomicLong postedBytes = new AtomicLong();
  /** Whether this turn's flush already lists it; on the loop only. */
  private boolean flushPending;
  /** Where frames are written from: null until the first write (on the loop), see {@link #out}. */
  private ChannelHandlerContext out;
  /** Whether frames are framed here (no extension encodes them); set with {@link #out}. */
  private boolean framesHere;

  WebSocketChannel(ServerWebSocket socket) {
    this.context = ((WebSocketInternal) socket).channelHandlerContext();
    this.loop = context.channel().eventLoop();
    this.writer = LoopWriter.of(loop);
    this.unwatched = new VoidChannelPromise(context.channel(), false);
  }

  /**
   * Writes one final text frame: {@code head}, then the readable bytes of {@code shared}, both UTF-8. They are
   * copied, on the socket's loop, into one buffer of the channel's pooled allocator (which the write releases):
   * a watcher's frame leaves no garbage behind, and {@code shared} is only read, by absolute index, so the
   * loops of many sockets may copy it at once. {@code done} (null: nobody waits) hears when the frame has reached
   * the operating system, or failed (the channel closed first).
   */
  void write(byte[] head, ByteBuf shared, ChannelFutureListener done) {
    if (loop.inEventLoop() && posted.get() == 0) {
      writeNow(head, shared, done);
      return;
    }
    long size = frameBytes(head.length + shared.readableBytes());
    posted.incrementAndGet();
    postedBytes.addAndGet(size);
    writer.offer(() -> {
      postedBytes.addAndGet(-size);
      posted.decrementAndGet();
      writeNow(head, shared, done);
    });
  }

  /**
   * The bytes written to this socket that the operating system has not taken yet, as the socket's outbound buffer
   * counts them (every frame's bytes plus {@link #ENTRY_OVERHEAD}), and those handed to the loop; any thread.
   */
  long pendingBytes() {
    var buffer = context.channel().unsafe().outboundBuffer();
    return (buffer == null ? 0 : buffer.totalPendingWriteBytes()) + postedBytes.get();
  }

  /** A frame's bytes on the wire, its header included, for a payload of {@code length} bytes. */
  static long frameBytes(int length) {
    return frameHeaderLength(length) + (long) length;
  }

  private void writeNow(byte[] head, ByteBuf shared, ChannelFutureListener done) {
    if (!context.channel().isActive()) {
      if (done != null) failed(done);
      return;
    }
    var promise = done == null ? unwatched : context.newPromise().addListener(done);
    int size = shared.readableBytes();
    int length = head.length + size;
    var out = out();
    if (framesHere) {
      var frame = context.alloc().buffer(frameHeaderLength(length) + length);
      writeFrameHeader(frame, length).writeBytes(head).writeBytes(shared, shared.readerIndex(), size);
      out.write(frame, promise);
    } else {
      var payload = context.alloc().buffer(length).writeBytes(head).writeBytes(shared, shared.readerIndex(), size);
      out.write(new TextWebSocketFrame(true, 0, payload), promise);
    }
    if (!flushPending) {
      flushPending = true;
      writer.flushLater(this);
    }
  }

  /**
   * The context frames are written (and flushed) from, found at the first write, on the loop, after the upgrade
   * negotiated any extension: the frame encoder's, so that a ready frame starts past it and past every handler
   * between Vert.x and it (none of which changes outgoing bytes; an extension encoder would, hence the other way),
   * or Vert.x's own.
   */
  private ChannelHandlerContext out() {
    if (out == null) {
      var pipeline = context.pipeline();
      var encoder = pipeline.context(WebSocketFrameEncoder.class);
      framesHere = encoder != null && pipeline.get(WebSocketExtensionEncoder.class) == null;
      out = framesHere ? encoder : context;
    }
    return out;
  }

  /** RFC 6455 section 5.2: FIN and the text opcode, then the payload's length (a server's frames are not masked). */
  static ByteBuf writeFrameHeader(ByteBuf frame, int length) {
    frame.writeByte(0x81);
    if (length < 126) return frame.writeByte(length);
    if (length <= 0xFFFF) return frame.writeByte(126).writeShort(length);
    return frame.writeByte(127).writeLong(length);
  }

  static int frameHeaderLength(int length) {
    return length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
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
    (out == null ? context : out).flush();
  }
}
