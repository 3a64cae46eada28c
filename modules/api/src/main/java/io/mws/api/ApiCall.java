package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.Delivery;
import io.mws.protocol.Principal;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** A request being served: the request, who sent it, the path parameters, and a way to ask the cluster. */
final class ApiCall {
  final ApiRequest request;
  final Principal principal;
  private final Map<String, String> params;
  private final Vertx vertx;

  ApiCall(Vertx vertx, ApiRequest request, Principal principal, Map<String, String> params) {
    this.vertx = vertx;
    this.request = request;
    this.principal = principal;
    this.params = params;
  }

  String param(String name) { return params.get(name); }

  String vhost() { return params.get("vhost"); }

  String channel() { return params.get("channel"); }

  /** Broadcasts to every node's consumer of the address (no reply). */
  void publish(String address, JsonObject body) {
    vertx.eventBus().publish(address, body);
  }

  /** Asks another verticle over the event bus; a failed reply arrives as an {@link ApiError}. */
  Future<JsonObject> ask(String address, JsonObject body) {
    return request(address, body);
  }

  /** As {@link #ask}, for an address whose requests and replies are records with a codec (BusCodecs). */
  <T> Future<T> request(String address, Object body) {
    return Delivery.<T>request(vertx, address, body)
        .map(reply -> reply.body())
        .recover(failure -> Future.failedFuture(ApiError.from(failure)));
  }
}
