package io.mws.gateway;

import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionDecoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;

/**
 * Negotiates permessage-deflate exactly as Vert.x does (Netty's handshaker, same parameters), then
 * decodes with {@link CappedInflater} instead of Netty's uncapped decoder. Outgoing compression is Netty's.
 */
final class CappedDeflateHandshaker implements WebSocketServerExtensionHandshaker {
  private final PerMessageDeflateServerExtensionHandshaker negotiation;
  private final int maxMessageBytes;

  CappedDeflateHandshaker(int compressionLevel, int maxMessageBytes) {
    this.negotiation = new PerMessageDeflateServerExtensionHandshaker(compressionLevel,
        ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(),
        PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE,
        false, false);
    this.maxMessageBytes = maxMessageBytes;
  }

  @Override
  public WebSocketServerExtension handshakeExtension(WebSocketExtensionData requested) {
    var agreed = negotiation.handshakeExtension(requested);
    if (agreed == null) return null;
    boolean clientNoContext = agreed.newReponseData().parameters().containsKey("client_no_context_takeover");
    return new WebSocketServerExtension() {
      @Override
      public int rsv() { return agreed.rsv(); }
      @Override
      public WebSocketExtensionEncoder newExtensionEncoder() { return agreed.newExtensionEncoder(); }
      @Override
      public WebSocketExtensionDecoder newExtensionDecoder() {
        return new CappedInflater(maxMessageBytes, clientNoContext);
      }
      @Override
      public WebSocketExtensionData newReponseData() { return agreed.newReponseData(); }
    };
  }
}
