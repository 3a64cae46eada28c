package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input gets the JSON error bodies of docs/API.md, "2. Conventions" with the right 4xx, never a 5xx.
 */
@ClusterTest
class ErrorResponsesTest {
  static TestCluster cluster;
  static String token;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TestCluster.start(1);
    token = cluster.createVhost("moon");
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/open", "Bearer " + token, null);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    cluster.close();
  }

  enum Who { NOBODY, ADMIN, BACKEND, WRONG_TOKEN, WRONG_PASSWORD }

  static final String EVENT = "{\"trigger\":{\"event\":\"e\",\"data\":1}}";

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(GET, "/v1/vhosts/nope", Who.ADMIN, null, 404, "vhost_not_found"),
        Arguments.of(GET, "/v1/vhosts/nope/channels/x", Who.BACKEND, null, 404, "vhost_not_found"),
        Arguments.of(GET, "/v1/vhosts/moon/channels/nope", Who.BACKEND, null, 404, "channel_not_found"),
        Arguments.of(POST, "/v1/vhosts/moon/channels/nope/events", Who.BACKEND, EVENT, 404, "channel_not_found"),
        Arguments.of(POST, "/moon/channels/nope/events", Who.BACKEND, EVENT, 404, "channel_not_found"),
        Arguments.of(GET, "/v1/vhosts/moon/channels/bad%20name", Who.BACKEND, null, 400, "invalid_name"),
        Arguments.of(GET, "/v1/vhosts/b%21d/channels", Who.ADMIN, null, 400, "invalid_name"),
        Arguments.of(GET, "/v1/vhosts/moon/channels/%zz", Who.BACKEND, null, 400, "invalid_path"),
        Arguments.of(POST, "/v1/vhosts", Who.ADMIN, "{\"data\":{\"type\":\"vhosts\",\"id\":\"no spaces\"}}", 422,
            "invalid_name"),
        Arguments.of(POST, "/v1/vhosts", Who.ADMIN, "{\"data\":{\"type\":\"vhosts\",\"id\":\"v1\"}}", 422,
            "invalid_name"),
        Arguments.of(POST, "/v1/vhosts", Who.ADMIN, "{\"data\":{\"type\":\"users\",\"id\":\"x\"}}", 422, "wrong_type"),
        Arguments.of(POST, "/v1/vhosts", Who.ADMIN, "{\"data\":{\"type\":\"vhosts\",\"id\":\"moon\"}}", 409,
            "vhost_exists"),
        Arguments.of(POST, "/v1/vhosts/moon/channels", Who.BACKEND, "{\"data\":{\"type\":\"channels\",\"id\":\"a/b\"}}",
            422, "invalid_name"),
        // openapi.json refuses it (ContractValidation): the trigger's required event is missing.
        Arguments.of(POST, "/v1/vhosts/moon/channels/open/events", Who.BACKEND, "{\"trigger\":{\"data\":1}}", 422,
            "required"),
        Arguments.of(POST, "/v1/vhosts/moon/channels/open/events", Who.BACKEND, "{\"trigger\":{\"event\":\"\\u0007\"}}",
            422, "invalid_event"),
        Arguments.of(POST, "/v1/vhosts/moon/channels/open/events", Who.BACKEND, "{\"nothing\":1}", 422, "required"),
        Arguments.of(POST, "/v1/vhosts/moon/channels/open/events", Who.BACKEND, "[1,2]", 422, "wrong_type"),
        Arguments.of(POST, "/v1/vhosts/moon/channels/open/events", Who.BACKEND, "{bad json", 400, "invalid_json"),
        Arguments.of(POST, "/v1/vhosts/moon/channels/open/events", Who.BACKEND,
            "{\"trigger\":{\"event\":\"e\",\"data\":\"" + "x".repeat(70_000) + "\"}}", 413, "payload_too_large"),
        Arguments.of(GET, "/v1/vhosts/moon/channels/open/events?since=-1", Who.BACKEND, null, 400, "invalid_parameter"),
        Arguments.of(GET, "/v1/vhosts/moon/channels/open/events?limit=abc", Who.BACKEND, null, 400,
            "invalid_parameter"),
        Arguments.of(GET, "/v1/vhosts/moon/channels/open/events/0", Who.BACKEND, null, 400, "invalid_rev"),
        Arguments.of(GET, "/v1/vhosts/moon/channels/open/events/99", Who.BACKEND, null, 404, "not_found"),
        Arguments.of(GET, "/v1/vhosts/moon/token", Who.BACKEND, null, 400, "invalid_uid"),
        Arguments.of(GET, "/v1/vhosts/moon/token?uid=joe&channels=(unclosed", Who.BACKEND, null, 400,
            "invalid_pattern"),
        Arguments.of(GET, "/v1/vhosts/moon", Who.NOBODY, null, 401, "unauthorized"),
        Arguments.of(GET, "/v1/vhosts/moon", Who.WRONG_TOKEN, null, 401, "unauthorized"),
        Arguments.of(POST, "/moon/channels/x", Who.WRONG_TOKEN, null, 401, "unauthorized"),
        Arguments.of(GET, "/v1/vhosts", Who.WRONG_PASSWORD, null, 401, "unauthorized"),
        Arguments.of(GET, "/v1/vhosts", Who.BACKEND, null, 403, "forbidden"),
        Arguments.of(DELETE, "/v1/vhosts/moon", Who.BACKEND, null, 403, "forbidden"),
        Arguments.of(PATCH, "/v1/vhosts", Who.ADMIN, null, 405, "method_not_allowed"),
        Arguments.of(GET, "/v1/nothing/here/at/all/really", Who.ADMIN, null, 404, "not_found"));
  }

  @ParameterizedTest(name = "{0} {1} as {2} -> {4} {5}")
  @MethodSource("cases")
  void badRequestsGetAJsonErrorWithTheRightStatus(HttpMethod method, String path, Who who, String body, int status,
                                                  String reason)
      throws Exception {
    var authorization = switch (who) {
      case NOBODY -> null;
      case ADMIN -> cluster.adminAuth();
      case BACKEND -> "Bearer " + token;
      case WRONG_TOKEN -> TestCluster.basic("wr", "0".repeat(40));
      case WRONG_PASSWORD -> TestCluster.basic("admin", "not-the-password");
    };
    var response = cluster.send(0, method, path, authorization, body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(response.getHeader("Date")).isNotBlank();
    var json = response.bodyAsJsonObject();
    var error = json.containsKey("errors") ? json.getJsonArray("errors").getJsonObject(0) : json.getJsonObject("error");
    assertThat(error.getString("reason")).isEqualTo(reason);
    assertThat(error.getString("message")).isNotBlank();
    if (status == 401) assertThat(response.getHeader("WWW-Authenticate")).contains("Basic").contains("Bearer");
    if (status == 405) assertThat(response.getHeader("Allow")).contains("GET").contains("POST");
    if (status == 422) assertThat(error.getString("property")).isNotBlank();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsupportedBodies")
  void aBodyThatIsNotJsonGets415(String contentType) throws Exception {
    var response = TestCluster
        .await(cluster.http.post(cluster.port(0), "127.0.0.1", "/v1/vhosts/moon/channels/open/events")
            .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", contentType)
            .sendBuffer(io.vertx.core.buffer.Buffer.buffer(EVENT)));
    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(new JsonObject(response.bodyAsString()).getJsonObject("error").getString("reason"))
        .isEqualTo("unsupported_media_type");
  }

  static Stream<String> unsupportedBodies() {
    return Stream.of("text/plain", "application/x-www-form-urlencoded");
  }
}
