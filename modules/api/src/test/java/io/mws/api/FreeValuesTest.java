package io.mws.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * FreeValues: the skeleton ContractValidation remembers valid bodies by replaces exactly the values the
 * schema leaves free, so a body that differs anywhere the schema looks gets a skeleton of its own (and
 * so the full schema check).
 */
class FreeValuesTest {
  private static JsonObject document() throws IOException {
    try (InputStream in = FreeValuesTest.class.getResourceAsStream("/openapi.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static JsonObject event(String name, Object data) {
    return new JsonObject().put("data", new JsonObject().put("type", "events")
        .put("attributes", new JsonObject().put("event", name).put("data", data)));
  }

  @Test
  void anEventsPayloadIsFreeAndNothingElse() throws IOException {
    var doc = document();
    var free = FreeValues.of(doc, new JsonObject().put("$ref", "#/components/schemas/EventInput"));
    var a = event("e", new JsonObject().put("i", 1).put("pad", "xxx"));
    var b = event("e", new JsonArray().add(2).add("anything"));
    assertEquals(free.skeleton(a), free.skeleton(b));
    assertEquals("{\"data\":{\"type\":\"events\",\"attributes\":{\"event\":\"e\",\"data\":null}}}", free.skeleton(a));
    // The body itself is left as it was.
    assertEquals(1, a.getJsonObject("data").getJsonObject("attributes").getJsonObject("data").getInteger("i"));
    // The event name, the type and the shape are looked at: different skeletons.
    assertNotEquals(free.skeleton(a), free.skeleton(event("f", 1)));
    assertNotEquals(free.skeleton(a), free.skeleton(event("e\u0001", 1)));
    assertNotEquals(free.skeleton(a), free.skeleton(new JsonObject().put("data", "not an object")));
    var trigger = new JsonObject().put("trigger", new JsonObject().put("event", "e").put("data", 5));
    assertEquals("{\"trigger\":{\"event\":\"e\",\"data\":null}}", free.skeleton(trigger));
  }

  /**
   * The attack on the memory: after valid publishes (remembered), bodies that differ from them anywhere
   * but the payload are still refused with the schema's own 422, and a new payload is still accepted.
   */
  @Test
  void rememberedValidBodiesLetNoInvalidOneThrough() throws Exception {
    var vertx = io.vertx.core.Vertx.vertx();
    try {
      var contract = ContractValidation.load(vertx, OpenApiResource.document()).await();
      java.util.function.Function<Object, ApiRequestCheck> post = body -> () -> contract.check(
          new io.mws.protocol.ApiRequest("POST", "/v1/vhosts/v/channels/c/events", java.util.Map.of(),
              java.util.Map.of("content-type", HttpApiEndpoint.JSON_API), body));
      for (int i = 0; i < 3; i++) post.apply(event("e", new JsonObject().put("i", i))).run();
      post.apply(event("e", "another payload")).run();
      for (var invalid : java.util.List.of(event("e\u0001", 1), event("", 1), event("x".repeat(129), 1),
          new JsonObject().put("data", new JsonObject().put("attributes", new JsonObject().put("data", 1))),
          new JsonObject().put("data", new JsonObject().put("type", 5)
              .put("attributes", new JsonObject().put("event", "e").put("data", 1))))) {
        var refused = org.junit.jupiter.api.Assertions.assertThrows(io.mws.protocol.ApiError.class,
            () -> post.apply(invalid).run(), invalid::encode);
        assertEquals(422, refused.status(), invalid.encode());
      }
    } finally {
      vertx.close().await();
    }
  }

  private interface ApiRequestCheck {
    void run();
  }

  @Test
  void aPlaceIsNotFreeWhenAKeywordLooksAtItsValue() {
    var doc = new JsonObject();
    var constrained = new JsonObject().put("type", "object")
        .put("properties", new JsonObject().put("p", new JsonObject().put("description", "any")))
        .put("additionalProperties", false);
    assertFalse(FreeValues.of(doc, constrained).any());
    // One branch of a oneOf constrains the value: not free, even though the other leaves it free.
    var oneOf = new JsonObject().put("oneOf", new JsonArray()
        .add(new JsonObject().put("type", "object").put("properties", new JsonObject().put("p", new JsonObject())))
        .add(new JsonObject().put("type", "object")
            .put("properties", new JsonObject().put("p", new JsonObject().put("type", "string")))));
    assertFalse(FreeValues.of(doc, oneOf).any());
    // An unknown $ref is not followed.
    assertFalse(FreeValues.of(doc, new JsonObject().put("$ref", "#/nowhere")).any());
  }
}
