package io.mws.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The one error model (docs/API.md, errors): its two body shapes, its trip over the event bus as a
 * failed reply and back with status, reason, field errors and headers intact, and what other failures
 * become; and the strict JSON parser that refuses duplicate keys and non-finite numbers.
 */
class ApiErrorAndRequestJsonTest {
  @Test
  void anErrorBodyIsErrorWithReasonAndMessage() {
    var error = ApiError.conflict("channel_exists", "It exists.");
    assertThat(error.status()).isEqualTo(409);
    assertThat(error.body()).isEqualTo(new JsonObject().put("error",
        new JsonObject().put("reason", "channel_exists").put("message", "It exists.")));
  }

  @Test
  void a422BodyListsEveryInvalidPropertyAndItsReasonIsTheFirsts() {
    var error = ApiError.invalid(List.of(
        new ApiError.FieldError("invalid_name", "data.id", "bad name"),
        new ApiError.FieldError("out_of_range", "data.attributes.historySize", "too big")));
    assertThat(error.status()).isEqualTo(422);
    assertThat(error.reason()).isEqualTo("invalid_name");
    var errors = error.body().getJsonArray("errors");
    assertThat(errors).hasSize(2);
    assertThat(errors.getJsonObject(1)).isEqualTo(new JsonObject().put("reason", "out_of_range")
        .put("property", "data.attributes.historySize").put("message", "too big"));
    assertThat(error.body().containsKey("error")).isFalse();
  }

  @Test
  void anErrorCrossesTheEventBusWithItsStatusBodyAndHeaders() throws Exception {
    var vertx = Vertx.vertx();
    try {
      var sent = List.of(
          ApiError.rateLimited("slow down", 7),
          ApiError.invalid("invalid_name", "data.id", "bad"),
          ApiError.storeUnavailable(),
          ApiError.notFound("no such channel").withHeader("X-Test", "1"));
      int[] next = {0};
      vertx.eventBus().consumer("errors", message -> sent.get(next[0]++).replyTo(message));
      for (var error : sent) {
        var failure = vertx.eventBus().request("errors", "x").toCompletionStage().toCompletableFuture()
            .handle((ok, e) -> e).get(10, TimeUnit.SECONDS);
        var back = ApiError
            .from(failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure);
        assertThat(back.status()).isEqualTo(error.status());
        assertThat(back.reason()).isEqualTo(error.reason());
        assertThat(back.body()).isEqualTo(error.body());
        assertThat(back.headers()).isEqualTo(error.headers());
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aPeerThatIsNotThereOrTooSlowIsA503AndAnythingElseA500WithoutDetails() {
    assertThat(ApiError.from(new ReplyException(ReplyFailure.NO_HANDLERS, "none")).status()).isEqualTo(503);
    assertThat(ApiError.from(new ReplyException(ReplyFailure.TIMEOUT, "late")).status()).isEqualTo(503);
    assertThat(ApiError.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 400, "not json")).status())
        .isEqualTo(500);
    var bug = ApiError.from(new NullPointerException("secret detail"));
    assertThat(bug.status()).isEqualTo(500);
    assertThat(bug.body().encode()).doesNotContain("secret detail");
  }

  @Test
  void requestJsonParsesObjectsArraysAndScalars() {
    assertThat(RequestJson.parse("{\"a\":[1,2.5,\"x\",null,true]}"))
        .isEqualTo(new JsonObject().put("a", new JsonArray().add(1).add(2.5).add("x").addNull().add(true)));
    assertThat(RequestJson.parse(Buffer.buffer("[]"))).isEqualTo(new JsonArray());
    assertThat(RequestJson.parse("\"s\"")).isEqualTo("s");
  }

  @Test
  void aKeyTwiceInOneObjectIsInvalidJsonNamingTheKey() {
    var error = catchThrowableOfType(ApiError.class, () -> RequestJson.parse("{\"data\":{\"id\":\"a\",\"id\":\"b\"}}"));
    assertThat(error.status()).isEqualTo(400);
    assertThat(error.reason()).isEqualTo("invalid_json");
    assertThat(error.getMessage()).contains("'id'");
    // The same key in two different objects is fine.
    assertThat(RequestJson.parse("[{\"id\":1},{\"id\":2}]")).isInstanceOf(JsonArray.class);
  }

  @Test
  void somethingThatIsNotJsonIsA400() {
    for (var text : List.of("", "{", "{'a':1}", "[1,]", "nul")) {
      assertThatThrownBy(() -> RequestJson.parse(text)).as(text).isInstanceOfSatisfying(ApiError.class,
          e -> assertThat(e.reason()).isEqualTo("invalid_json"));
    }
  }

  @Test
  void aNumberBeyondADoubleIsRefusedWithItsProperty() {
    var body = RequestJson.parse("{\"data\":{\"attributes\":{\"limits\":[1, 1e400]}}}");
    var error = catchThrowableOfType(ApiError.class, () -> RequestJson.requireFinite(body));
    assertThat(error.status()).isEqualTo(422);
    assertThat(error.body().getJsonArray("errors").getJsonObject(0).getString("property"))
        .isEqualTo("data.attributes.limits[1]");
    assertThat(catchThrowableOfType(ApiError.class, () -> RequestJson.requireFinite(RequestJson.parse("-1e999")))
        .body().getJsonArray("errors").getJsonObject(0).getString("property")).isEqualTo("(body)");
    RequestJson.requireFinite(RequestJson.parse("{\"a\":1.7e308,\"b\":[0,-5]}")); // finite: no error
  }
}
