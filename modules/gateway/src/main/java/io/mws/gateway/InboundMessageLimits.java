package io.mws.gateway;

import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;

/**
 * What a client may send over a WebSocket, applied in the connection's Netty pipeline before Vert.x
 * sees a frame: one size limit for a frame and for a whole message, compressed or not (1009 above it,
 * checked while inflating, see {@link CappedInflater}); text that is valid UTF-8 (1007 otherwise).
 * The HTTP listener applies {@link #configure} to its options and {@link #install} to each connection.
 */
public final class InboundMessageLimits {
  private InboundMessageLimits() {}

  /** The frame and message limit on the listener; permessage-deflate only (deflate-frame is obsolete). */
  public static HttpServerOptions configure(HttpServerOptions options, int maxMessageBytes) {
    return options.setMaxWebSocketFrameSize(maxMessageBytes).setMaxWebSocketMessageSize(maxMessageBytes)
        .setPerFrameWebSocketCompressionSupported(false).setPerMessageWebSocketCompressionSupported(true);
  }

  /**
   * Replaces Vert.x's extension negotiation (whose decoder inflates without a cap) by the capped one,
   * and adds the message aggregation (1009 past the limit, instead of Vert.x dropping the message
   * silently) and UTF-8 validation (1007) before Vert.x's handler. Call it from the server's
   * connection handler, before the connection has read a request. HTTP/2 connections carry no
   * WebSockets and are left alone.
   */
  public static void install(HttpConnection connection, HttpServerOptions options) {
    if (!(connection instanceof io.vertx.core.http.impl.HttpServerConnection server)) return;
    var pipeline = server.channelHandlerContext().pipeline();
    var negotiation = pipeline.context(WebSocketServerExtensionHandler.class);
    if (negotiation == null) return;
    int max = options.getMaxWebSocketMessageSize();
    pipeline.replace(negotiation.name(), negotiation.name(),
        new WebSocketServerExtensionHandler(new CappedDeflateHandshaker(options.getWebSocketCompressionLevel(), max)));
    // After the negotiation handler, so the inflater it adds on upgrade comes first: ext, inflater, aggregator, utf8.
    pipeline.addAfter(negotiation.name(), "mwsUtf8Validator", new Utf8FrameValidator(false));
    pipeline.addAfter(negotiation.name(), "mwsMessageAggregator", new WebSocketFrameAggregator(max));
  }
}
