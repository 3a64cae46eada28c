package io.mws.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * A JSON error written as raw HTTP/1.1 bytes, then the connection closed: for refusals decided below
 * Vert.x's request handling (at accept, or while a request head is still incomplete), where there is no
 * request object to answer through.
 */
final class RawJsonResponse {
  private RawJsonResponse() {}

  /** Writes {@code status} with {@code {"error":{"reason","message"}}} from {@code ctx} toward the socket and closes. */
  static void writeAndClose(ChannelHandlerContext ctx, int status, String statusText, String reason, String message,
                            String extraHeaders) {
    var body = new JsonObject().put("error", new JsonObject().put("reason", reason).put("message", message)).encode()
        .getBytes(StandardCharsets.UTF_8);
    var head = "HTTP/1.1 " + status + " " + statusText + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length + "\r\nConnection: close\r\n" + extraHeaders + "\r\n";
    var bytes = Unpooled.buffer(head.length() + body.length);
    bytes.writeBytes(head.getBytes(StandardCharsets.US_ASCII)).writeBytes(body);
    ctx.writeAndFlush(bytes).addListener(ChannelFutureListener.CLOSE);
  }
}
