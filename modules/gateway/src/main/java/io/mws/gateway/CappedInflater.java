package io.mws.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The permessage-deflate decoder (RFC 7692) of one connection, with the message size limit applied while
 * it inflates: a message is inflated at most one byte past {@code maxMessageBytes}, then the connection
 * fails with 1009 and every later data frame is dropped without being inflated. Netty's own decoder
 * inflates a whole frame before anything can look at its size (a 64 KB frame becomes 64 MB), and
 * Vert.x 5.0 gives it no cap, hence this one.
 */
final class CappedInflater extends WebSocketExtensionDecoder {
  /** The empty stored block every message's compressed data lost at its end (RFC 7692, 7.2.2). */
  private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};
  private static final int CHUNK = 8192;

  private final int maxMessageBytes;
  private final boolean noContext;
  private final Inflater inflater = new Inflater(true);
  private boolean compressing;
  private int messageBytes;
  private boolean failed;

  /** @param noContext the client resets its compressor after each message (client_no_context_takeover) */
  CappedInflater(int maxMessageBytes, boolean noContext) {
    this.maxMessageBytes = maxMessageBytes;
    this.noContext = noContext;
  }

  @Override
  public boolean acceptInboundMessage(Object msg) {
    if (failed) return msg instanceof WebSocketFrame && !(msg instanceof CloseWebSocketFrame);
    if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
      return (((WebSocketFrame) msg).rsv() & WebSocketExtension.RSV1) != 0;
    }
    return msg instanceof ContinuationWebSocketFrame && compressing;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
    if (failed) return; // the connection is closing: the frame is released unread
    boolean first = !(frame instanceof ContinuationWebSocketFrame);
    if (first) {
      compressing = true;
      messageBytes = 0;
    }
    var inflated = ctx.alloc().heapBuffer(Math.min(CHUNK, maxMessageBytes + 1));
    try {
      inflate(frame.content().nioBuffer(), inflated);
      if (frame.isFinalFragment()) {
        inflate(ByteBuffer.wrap(TAIL), inflated);
        compressing = false;
        if (noContext || inflater.finished()) inflater.reset();
      }
    } catch (CorruptedWebSocketFrameException e) {
      inflated.release();
      failed = true;
      throw e;
    }
    int rsv = first ? frame.rsv() & ~WebSocketExtension.RSV1 : frame.rsv();
    if (frame instanceof TextWebSocketFrame) {
      out.add(new TextWebSocketFrame(frame.isFinalFragment(), rsv, inflated));
    } else if (frame instanceof BinaryWebSocketFrame) {
      out.add(new BinaryWebSocketFrame(frame.isFinalFragment(), rsv, inflated));
    } else {
      out.add(new ContinuationWebSocketFrame(frame.isFinalFragment(), rsv, inflated));
    }
  }

  /** Inflates {@code input} into {@code into}, never more than one byte past the message limit. */
  private void inflate(ByteBuffer input, ByteBuf into) {
    inflater.setInput(input);
    try {
      while (true) {
        int room = maxMessageBytes - messageBytes + 1; // one byte over the limit proves the message too big
        into.ensureWritable(Math.min(CHUNK, room));
        int n = inflater.inflate(into.nioBuffer(into.writerIndex(), Math.min(into.writableBytes(), room)));
        into.writerIndex(into.writerIndex() + n);
        messageBytes += n;
        if (messageBytes > maxMessageBytes) {
          throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.MESSAGE_TOO_BIG,
              "message inflates past " + maxMessageBytes + " bytes");
        }
        if (n == 0 && (inflater.needsInput() || inflater.finished() || inflater.needsDictionary())) return;
      }
    } catch (DataFormatException e) {
      throw new CorruptedWebSocketFrameException(WebSocketCloseStatus.PROTOCOL_ERROR, "invalid deflate data", e);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    inflater.end();
  }
}
