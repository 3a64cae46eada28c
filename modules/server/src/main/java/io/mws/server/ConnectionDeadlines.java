package io.mws.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The two deadlines of an HTTP/1.x connection, as Netty handlers in its pipeline:
 * <ul>
 * <li><b>request head</b>: from accept, and from the first byte of each later request, the whole head
 * (request line and headers) must arrive within {@code headMillis}; a byte every few seconds does not
 * extend it. Over it the connection is closed, after a 408 when part of a head had arrived.</li>
 * <li><b>idle</b>: once a request has been read and its response written, the next request must start
 * within {@code idleMillis}, else the connection is closed.</li>
 * </ul>
 * While a response is being written (an SSE stream is one long response) neither applies, and a
 * connection upgraded to WebSocket (101) leaves both behind: those keep themselves alive with their own
 * heartbeats. One instance per connection; every method runs on the connection's event loop.
 */
final class ConnectionDeadlines {
  private enum State { HEAD, BUSY, IDLE }

  private final long headMillis;
  private final long idleMillis;
  private final ChannelPipeline pipeline;
  private final RawBytes rawBytes = new RawBytes();
  private final Messages messages = new Messages();
  private State state = State.HEAD;
  private boolean headStarted;
  private boolean receivingBody;
  /** Requests whose head arrived and whose response is not completely written yet. */
  private int unanswered;
  private ScheduledFuture<?> deadline;

  private ConnectionDeadlines(ChannelPipeline pipeline, long headMillis, long idleMillis) {
    this.pipeline = pipeline;
    this.headMillis = headMillis;
    this.idleMillis = idleMillis;
  }

  /**
   * Installs the deadlines on a Vert.x HTTP/1.x server pipeline (around its {@code httpDecoder}); does
   * nothing on other pipelines (HTTP/2 frames its own streams).
   */
  static void install(ChannelPipeline pipeline, long headMillis, long idleMillis) {
    if (pipeline.get("httpDecoder") == null || pipeline.get("handler") == null) return;
    var deadlines = new ConnectionDeadlines(pipeline, headMillis, idleMillis);
    // Bytes as they arrive (after TLS, before HTTP decoding): when a new head starts.
    pipeline.addBefore("httpDecoder", "mwsHeadBytes", deadlines.rawBytes);
    // Decoded requests in, Vert.x's responses out: when a head is complete and when an exchange ends.
    pipeline.addBefore("handler", "mwsDeadlines", deadlines.messages);
    deadlines.arm(headMillis);
  }

  private void arm(long millis) {
    disarm();
    if (millis > 0) deadline = pipeline.channel().eventLoop().schedule(this::expire, millis, TimeUnit.MILLISECONDS);
  }

  private void disarm() {
    if (deadline != null) deadline.cancel(false);
    deadline = null;
  }

  private void expire() {
    deadline = null;
    var ctx = pipeline.context(rawBytes);
    if (ctx == null) return;
    if (state == State.HEAD && headStarted) {
      RawJsonResponse.writeAndClose(ctx, 408, "Request Timeout", "request_timeout",
          "The request head did not arrive within " + headMillis / 1000.0 + " s.", "");
    } else if (state != State.BUSY) {
      ctx.close();
    }
  }

  private void answered() {
    if (unanswered > 0) unanswered--;
    maybeIdle();
  }

  private void maybeIdle() {
    if (state == State.BUSY && unanswered == 0 && !receivingBody) {
      state = State.IDLE;
      arm(idleMillis);
    }
  }

  /** The connection left HTTP/1.x (WebSocket): its deadlines go with it. */
  private void leave() {
    disarm();
    if (pipeline.context(rawBytes) != null) pipeline.remove(rawBytes);
    if (pipeline.context(messages) != null) pipeline.remove(messages);
  }

  private final class RawBytes extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
        if (state == State.IDLE) {
          state = State.HEAD;
          arm(headMillis);
        }
        if (state == State.HEAD) headStarted = true;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      disarm();
      ctx.fireChannelInactive();
    }
  }

  private final class Messages extends ChannelDuplexHandler {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        disarm();
        state = State.BUSY;
        headStarted = false;
        receivingBody = true;
        unanswered++;
      }
      if (msg instanceof LastHttpContent) {
        receivingBody = false;
        maybeIdle();
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      boolean interim = false;
      if (msg instanceof HttpResponse response && response.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
        if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
          ctx.write(msg, promise);
          leave();
          return;
        }
        interim = true; // 100 Continue, 103 Early Hints: the real response follows
      }
      if (msg instanceof LastHttpContent && !interim) answered();
      ctx.write(msg, promise);
    }
  }
}
