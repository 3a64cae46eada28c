package io.mws.gateway;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.ApiResponse;
import io.mws.protocol.Delivery;
import io.mws.protocol.ForwardedRequest;
import io.mws.protocol.Principal;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Sends what the gateway does not serve itself to the cluster: REST requests to the API
 * ({@link Addresses#API_REQUEST}), credentials to the auth verticle (but for MWS access tokens, which
 * {@link LocalAccessTokens} verifies on this node). Never fails: errors become responses.
 */
final class ApiForwarder {
  private final Vertx vertx;
  private final LocalAccessTokens tokens;

  ApiForwarder(Vertx vertx, LocalAccessTokens tokens) {
    this.vertx = vertx;
    this.tokens = tokens;
  }

  /**
   * Forwards one request; the answer is the API's, status codes and bodies as over HTTP. {@code client}:
   * the caller's address, for the failed-login budgets of credentials sent in a frame.
   */
  Future<ApiResponse> forward(String method, String rawPath, Map<String, String> headers, Object data, String client) {
    var decoder = new QueryStringDecoder(rawPath);
    var query = new TreeMap<String, List<String>>();
    try {
      decoder.parameters().forEach(query::put);
    } catch (IllegalArgumentException e) {
      return Future
          .succeededFuture(ApiResponse.error(ApiError.badRequest("invalid_query", "The query string is malformed.")));
    }
    var request = new ApiRequest(method.toUpperCase(Locale.ROOT), decoder.rawPath(), query, headers, data);
    return Delivery.<ApiResponse>request(vertx, Addresses.API_REQUEST, new ForwardedRequest(request, client))
        .map(reply -> reply.body())
        .otherwise(failure -> ApiResponse.error(ApiError.from(failure)));
  }

  /**
   * Who the authorization header names: an MWS access token verified here, anything else (or a token
   * refused here, which the auth verticle refuses too, with its reason) by the auth verticle.
   * {@code client}: the caller's address, for the failed-login budgets.
   */
  Future<Principal> authenticate(String authorization, String client) {
    if (authorization == null || authorization.isBlank()) return Future.succeededFuture(Principal.ANONYMOUS);
    return tokens.verify(authorization).recover(notHere -> overTheBus(authorization, client));
  }

  private Future<Principal> overTheBus(String authorization, String client) {
    var body = new JsonObject().put("authorization", authorization).put("client", client);
    return Delivery.<JsonObject>request(vertx, Addresses.AUTHENTICATE, body).map(m -> Principal.fromJson(m.body()));
  }
}
