package io.mws.server;

import io.mws.protocol.LogContext;
import io.netty.channel.Channel;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log (log.access, docs/operations.md "Logs"): one INFO line per HTTP request of the public
 * port on logger {@code mws.access}, written when its response has ended: method, path and query (the
 * values of {@code apikey} and {@code token} masked), status, bytes of body written, duration in ms and
 * the client's address, with the request's log context (LogContext).
 */
final class AccessLog {
  static final String LOGGER = "mws.access";
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private AccessLog() {}

  /**
   * Logs {@code request} once its response has ended, or its connection closed first (a stream the client
   * left; an accepted WebSocket upgrade, logged as 101 when its socket closes). Call while the request's
   * log context is set.
   */
  static void watch(HttpServerRequest request, Channel channel, String client) {
    long started = System.nanoTime();
    var logContext = LogContext.current();
    var target = target(request.path(), request.query());
    var response = request.response();
    var written = new AtomicBoolean();
    IntConsumer line = status -> {
      if (!written.compareAndSet(false, true)) return;
      var outer = LogContext.current(); // the response may end inside the request's own handling
      try (var context = LogContext.resume(logContext)) {
        LOG.info("{} {} {} {} bytes {} ms {}", request.method(), target, status, response.bytesWritten(),
            (System.nanoTime() - started) / 1_000_000, client);
      } finally {
        LogContext.resume(outer);
      }
    };
    response.endHandler(v -> line.accept(response.getStatusCode()))
        .closeHandler(v -> line.accept(response.getStatusCode()));
    // An accepted upgrade neither ends nor closes the response: the socket owns the connection then.
    if (request.canUpgradeToWebSocket()) channel.closeFuture().addListener(closed -> line.accept(101));
  }

  /**
   * The path and query as logged: the value of every parameter named {@code apikey} or {@code token} (any
   * case), the credentials a query may carry (docs/API.md, "1. Authentication and roles": ?apikey= on REST,
   * ?token= on the WebSocket upgrade), replaced by {@code ***}. One pass over the query, no regular
   * expression: every upgrade carries a token of a few hundred characters.
   */
  static String target(String path, String query) {
    if (query == null || query.isEmpty()) return path;
    var logged = new StringBuilder(path.length() + 1 + query.length()).append(path).append('?');
    for (int start = 0; start <= query.length();) {
      int end = query.indexOf('&', start);
      if (end < 0) end = query.length();
      int equals = query.indexOf('=', start);
      if (equals >= 0 && equals < end && isCredential(query, start, equals)) {
        logged.append(query, start, equals + 1).append("***");
      } else {
        logged.append(query, start, end);
      }
      if (end < query.length()) logged.append('&');
      start = end + 1;
    }
    return logged.toString();
  }

  private static boolean isCredential(String query, int name, int equals) {
    return credential(query, name, equals, "apikey") || credential(query, name, equals, "token");
  }

  private static boolean credential(String query, int name, int equals, String credential) {
    return equals - name == credential.length() && query.regionMatches(true, name, credential, 0, credential.length());
  }
}
