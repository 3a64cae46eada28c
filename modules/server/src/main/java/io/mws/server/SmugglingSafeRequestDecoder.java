package io.mws.server;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

/**
 * Vert.x's request decoder, with two refusals it lacks. An HTTP/1.1 request with both {@code Content-Length} and
 * {@code Transfer-Encoding: chunked} is marked invalid (answered 400 and closed) instead of having its
 * {@code Content-Length} silently dropped, as Netty does (RFC 9112 6.3 allows either): a proxy in front
 * that framed the body by {@code Content-Length} would otherwise see a different request boundary
 * than this server (request smuggling). The other combinations keep both headers and are refused by
 * {@link HttpFrontVerticle}. And a request line of another protocol version (the HTTP/2 preface
 * {@code PRI * HTTP/2.0} when h2c is off) is invalid, so it gets a JSON 400 rather than Vert.x's bare 501.
 */
final class SmugglingSafeRequestDecoder extends VertxHttpRequestDecoder {
  /** The decoder failure that marks such a request. */
  static final class AmbiguousLength extends IllegalArgumentException {
    AmbiguousLength() {
      super("Content-Length together with Transfer-Encoding", null);
    }
  }

  /** The decoder failure that marks a request line of neither HTTP/1.0 nor HTTP/1.1. */
  static final class NotHttp1 extends IllegalArgumentException {
    NotHttp1() {
      super("not HTTP/1.x", null);
    }
  }

  /** The request line being decoded named another protocol version. */
  private boolean notHttp1;

  SmugglingSafeRequestDecoder(HttpServerOptions options) {
    super(options);
  }

  @Override
  protected HttpMessage createMessage(String[] initialLine) {
    notHttp1 = !initialLine[2].equals("HTTP/1.1") && !initialLine[2].equals("HTTP/1.0");
    // Vert.x answers another version with a bare 501 before it looks at the decoder result: read the
    // line as HTTP/1.1, and mark it failed once its headers are read (Netty sets the result then).
    if (notHttp1) initialLine[2] = "HTTP/1.1";
    return super.createMessage(initialLine);
  }

  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage message) {
    if (notHttp1) message.setDecoderResult(DecoderResult.failure(new NotHttp1()));
    return super.isContentAlwaysEmpty(message);
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(DecoderResult.failure(new AmbiguousLength()));
  }
}
