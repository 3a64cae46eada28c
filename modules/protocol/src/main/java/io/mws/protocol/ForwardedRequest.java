package io.mws.protocol;

import io.vertx.core.json.JsonObject;

/**
 * What the gateway sends to {@link Addresses#API_REQUEST}: a request that came in a WebSocket frame; the
 * reply is the {@link ApiResponse}.
 *
 * @param client the caller's address, for the failed-login budgets of credentials sent in a frame, or null
 */
public record ForwardedRequest(ApiRequest request, String client) {
  /** The wire form: the request's own JSON with {@code "client"} beside its fields. */
  public JsonObject toJson() {
    return request.toJson().put("client", client);
  }

  public static ForwardedRequest fromJson(JsonObject json) {
    return new ForwardedRequest(ApiRequest.fromJson(json),
        json.getValue("client") instanceof String address ? address : null);
  }
}
