package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiResponse;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * {@code POST /v1/vhosts/{vhost}/events}: many events, to one or many channels of the vhost, in one
 * request: {@code {"data":[{"type":"events","attributes":{"channel","event","data","idempotencyKey"?}}]}}.
 *
 * <p>A malformed batch is refused whole: 422 (naming the first bad item's property, or {@code data}
 * when there are no items or more than 100 (openapi.json, EventBatchInput)), 413 when the items' data add up to more
 * than one event may carry ({@code maxPayloadBytes}). Otherwise the answer is 200 with one result per
 * item, in batch order: {@code {"status":202,"data":<event>}} for an accepted event, or its error
 * ({@code {"status":403,"error":{...}}}, 404, 422, 429...) exactly as a single publish would have got it;
 * {@code meta} counts the accepted and failed items. Each item is one publish for access (the caller
 * must be allowed to publish to its channel), the publish rate (counted per event) and idempotency.
 * Within a channel the events get their revs in batch order; channels are published in parallel.
 *
 * <p>Idempotency: an item's own {@code idempotencyKey} wins; else, with the request's Idempotency-Key
 * K, item i uses the key {@code K/i}. Either is scoped to the item's channel and the caller, as for a
 * single publish, so a retried batch answers every item as the first time, with no event twice.
 */
final class BatchPublish {
  /** One event to one channel; see {@link EventResources}. */
  interface Publisher {
    Future<ApiResponse> publish(ApiCall call, String channel, Bodies.EventBody body, String idempotencyKey);
  }

  /** One event of a batch: to one channel, with its idempotency key (or null). */
  record Item(String channel, Bodies.EventBody body, String key) {}

  private final Publisher publisher;
  private final int maxPayloadBytes;

  BatchPublish(Publisher publisher, int maxPayloadBytes) {
    this.publisher = publisher;
    this.maxPayloadBytes = maxPayloadBytes;
  }

  Future<ApiResponse> handle(ApiCall call) {
    Access.requireVisible(call.principal, call.vhost());
    return run(call, items(call));
  }

  /**
   * Publishes validated items (Pusher's events and batch_events come here too): the 200 answer above,
   * with one result per item in batch order.
   */
  Future<ApiResponse> run(ApiCall call, List<Item> items) {
    var results = new JsonObject[items.size()];
    var chains = new LinkedHashMap<String, Future<Void>>();
    for (int i = 0; i < items.size(); i++) {
      var item = items.get(i);
      int index = i;
      var previous = chains.getOrDefault(item.channel(), Future.succeededFuture());
      chains.put(item.channel(), previous.compose(v -> publish(call, item).map(result -> {
        results[index] = result;
        return null;
      })));
    }
    return Future.all(new ArrayList<>(chains.values())).map(done -> {
      long accepted = java.util.Arrays.stream(results).filter(r -> r.getInteger("status") < 300).count();
      var meta = new JsonObject().put("accepted", accepted).put("failed", results.length - accepted);
      return ApiResponse.of(200, new JsonObject().put("data", new JsonArray(List.of(results))).put("meta", meta));
    });
  }

  /** One item's result, never a failure: its 202 document or its error, with "status". */
  private Future<JsonObject> publish(ApiCall call, Item item) {
    Future<ApiResponse> answer;
    try {
      Access.requirePublisher(call.principal, call.vhost(), item.channel());
      answer = publisher.publish(call, item.channel(), item.body(), item.key());
    } catch (ApiError e) {
      answer = Future.failedFuture(e);
    }
    return answer.otherwise(failure -> ApiResponse.error(ApiError.from(failure)))
        .map(response -> ((JsonObject) response.body()).copy().put("status", response.status()));
  }

  /**
   * The batch's items. Its shape (1 to 100 event resources, each with a channel name,
   * an event name and a string idempotencyKey) was checked against openapi.json (ContractValidation)
   * before the handler ran; what the document cannot say is checked here.
   */
  private List<Item> items(ApiCall call) {
    var batchKey = IdempotencyKey.of(call.request);
    var data = Bodies.object(call.request).getJsonArray("data");
    var items = new ArrayList<Item>();
    int bytes = 0;
    for (int i = 0; i < data.size(); i++) {
      var prefix = "data[" + i + "]";
      var attributes = data.getJsonObject(i).getJsonObject("attributes");
      var event = new Bodies.EventBody(attributes.getString("event"), attributes.getValue("data"));
      var own = attributes.getString("idempotencyKey");
      var key = own != null ? IdempotencyKey.check(own, prefix + ".attributes.idempotencyKey")
          : batchKey == null ? null : batchKey + "/" + i;
      bytes += EventResources.size(event.data());
      items.add(new Item(attributes.getString("channel"), event, key));
    }
    EventResources.checkSize(bytes, maxPayloadBytes, "The data of the batch's events");
    return items;
  }
}
