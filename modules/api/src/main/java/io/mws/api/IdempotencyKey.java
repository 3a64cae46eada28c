package io.mws.api;

import io.mws.protocol.ApiError;
import io.mws.protocol.ApiRequest;
import io.mws.protocol.Principal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The Idempotency-Key of a publish (an event, a trigger, a batch item): 1 to {@value #MAX_LENGTH}
 * printable characters, else 400 {@code invalid_idempotency_key}. A key is scoped per vhost and
 * channel (events) or per vhost (triggers), and per caller (its role and uid, or its vhost for a
 * backend), so two callers never share one. The channel-state verticle gets {@code {key, fingerprint}}:
 * a hash of the scope with the key, and a hash of what is published (a different body under the same
 * key is 422 there).
 */
final class IdempotencyKey {
  static final String HEADER = "idempotency-key";
  static final int MAX_LENGTH = 255;

  private IdempotencyKey() {}

  /** The request's Idempotency-Key header, or null without one. */
  static String of(ApiRequest request) {
    return check(request.header(HEADER), "The Idempotency-Key header");
  }

  /** {@code key} when it is well-formed or null; 400 naming {@code what} otherwise. */
  static String check(String key, String what) {
    if (key == null) return null;
    if (key.isEmpty() || key.length() > MAX_LENGTH || key.chars().anyMatch(Character::isISOControl)) {
      throw ApiError.badRequest("invalid_idempotency_key",
          what + " must be 1 to " + MAX_LENGTH + " printable characters.");
    }
    return key;
  }

  /** What the verticle needs to publish at most once under {@code key}; null when there is no key. */
  static JsonObject scoped(String key, Principal caller, String vhost, String channel, String event, Object data) {
    if (key == null) return null;
    var scope = new JsonArray().add(vhost).add(channel == null ? "#triggers" : channel)
        .add(caller.role().name()).add(caller.vhost()).add(caller.uid()).add(key);
    var content = new JsonArray().add(event).add(data);
    return new JsonObject().put("key", Hashes.sha256Hex(scope.encode(), 32))
        .put("fingerprint", Hashes.sha256Hex(content.encode(), 32));
  }
}
