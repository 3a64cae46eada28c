package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated malformed requests (seeded, so a failure reproduces): bad JSON, wrong types,
 * huge numbers, unknown fields, bad percent-encoding, odd methods and content types, broken
 * credentials, malformed XML, XML and odd Accept headers. None may get a 5xx (but the 501 an unimplemented
 * method such as TRACE gets, docs/API.md, "2. Conventions"), and every answer with a body is a JSON or (when it says
 * so) XML document, an error document for every 4xx and 5xx.
 */
@ClusterTest
class MalformedRequestsTest {
  static final int REQUESTS = 3000;
  static final long SEED = 20261122L;

  static final String[] PATHS = {
      "/v1/vhosts", "/v1/vhosts/moon", "/v1/vhosts/moon/channels", "/v1/vhosts/moon/channels/c",
      "/v1/vhosts/moon/channels/c/events", "/v1/vhosts/moon/channels/c/events/1", "/v1/vhosts/moon/token",
      "/v1/vhosts/moon/triggers", "/v1/users", "/v1/users/admin", "/moon/channels/c", "/moon/channels/c/events",
      "/moon/token", "/v1", "/", "/v1/vhosts/moon/channels/c/subscribers", "/v1/vhosts/moon/connections"};
  static final String[] BAD_SEGMENTS = {"%", "%zz", "%c3%28", "..", "a%20b", "%00", "x".repeat(300), "%2F", "é", "{",
      "moon%20",
      "%E2%82", "v1", "metrics", "-1", "99999999999999999999999"};
  static final String[] METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"};
  static final String[] TYPES = {"application/json", "application/vnd.api+json", "application/merge-patch+json",
      "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=latin1", "", "*/*",
      "application/json-patch+json", "text/xml", "application/xml; charset=utf-8"};
  static final String[] QUERIES = {"", "?limit=-1", "?limit=1e9", "?offset=abc", "?since=99999999999999999999",
      "?uid=%zz", "?uid=joe&channels=(((", "?channels=" + "a".repeat(400), "?pretty=maybe", "?filter=[", "?apikey=",
      "?limit=&offset=", "?a=%", "?uid=joe&ttl=0", "?uid=joe&publish=yes", "?format=xml", "?format=xml&pretty=true",
      "?format=", "?format=%zz"};
  static final String[] ACCEPTS = {"application/xml", "text/xml;q=0.5, application/json;q=0.4", "application/xml;q=abc",
      "*/*;q=0", "application/*", "text/html", ",,;;", "application/xml;q=2, text/event-stream"};

  @Test
  void noMalformedRequestGetsA5xxOrANonJsonBody() throws Exception {
    var random = new Random(SEED);
    var problems = new ConcurrentLinkedQueue<String>();
    try (var cluster = TestCluster.start(1)) {
      var token = cluster.createVhost("moon");
      cluster.send(0, HttpMethod.PUT, "/v1/vhosts/moon/channels/c", "Bearer " + token, null);
      var auths = new String[] {null, cluster.adminAuth(), "Bearer " + token, "Bearer x.y.z", "Basic !!!",
          "Basic " + java.util.Base64.getEncoder().encodeToString("wr".getBytes()), "Negotiate abc", "Bearer ",
          "Basic "};
      int sent = 0;
      while (sent < REQUESTS) {
        var batch = new ArrayList<Future<?>>();
        for (int i = 0; i < 50 && sent < REQUESTS; i++, sent++) {
          var method = METHODS[random.nextInt(METHODS.length)];
          var path = path(random);
          var body = body(random);
          var type = TYPES[random.nextInt(TYPES.length)];
          var auth = auths[random.nextInt(auths.length)];
          var description = method + " " + path + " [" + type + "] "
              + (body.length() > 80 ? body.substring(0, 80) + "..." : body);
          var request = cluster.http.request(HttpMethod.valueOf(method), cluster.port(0), "127.0.0.1", path)
              .timeout(5_000);
          if (auth != null) request.putHeader("Authorization", auth);
          if (!type.isEmpty()) request.putHeader("Content-Type", type);
          if (random.nextInt(10) == 0)
            request.putHeader("X-HTTP-Method-Override", METHODS[random.nextInt(METHODS.length)]);
          if (random.nextInt(10) == 0) request.putHeader("If-Match", random.nextBoolean() ? "*" : "\"x");
          if (random.nextInt(3) == 0) request.putHeader("Accept", ACCEPTS[random.nextInt(ACCEPTS.length)]);
          batch.add(request.sendBuffer(Buffer.buffer(body)).onComplete(ar -> {
            if (ar.failed()) {
              problems.add(description + " -> " + ar.cause());
              return;
            }
            var response = ar.result();
            boolean unimplemented = response.statusCode() == 501 && method.equals("TRACE");
            if (response.statusCode() >= 500 && !unimplemented)
              problems.add(description + " -> " + response.statusCode() + " " + response.bodyAsString());
            var text = response.bodyAsString();
            var contentType = String.valueOf(response.getHeader("Content-Type"));
            if (text != null && !text.isEmpty() && !method.equals("HEAD")
                && contentType.startsWith("application/xml")) {
              checkXml(text, response.statusCode(), description, problems);
            } else if (text != null && !text.isEmpty() && !method.equals("HEAD")) {
              try {
                var json = new JsonObject(text);
                if (response.statusCode() >= 400 && !json.containsKey("error") && !json.containsKey("errors")) {
                  problems.add(description + " -> " + response.statusCode() + " without an error body: " + text);
                }
              } catch (RuntimeException e) {
                problems.add(description + " -> " + response.statusCode() + " non-JSON body: " + text);
              }
            }
          }));
        }
        Future.join(batch).toCompletionStage().toCompletableFuture().handle((r, e) -> null).get(60,
            java.util.concurrent.TimeUnit.SECONDS);
      }
    }
    assertThat(List.copyOf(problems)).as("requests answered with a 5xx or a non-JSON body").isEmpty();
  }

  /** A well-formed XML document, whose root holds error or errors when the status is 4xx. */
  static void checkXml(String text, int status, String description, java.util.Queue<String> problems) {
    try {
      var factory = javax.xml.parsers.DocumentBuilderFactory.newInstance();
      var root = factory.newDocumentBuilder()
          .parse(new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
          .getDocumentElement();
      boolean error = root.getElementsByTagName("error").getLength()
          + root.getElementsByTagName("errors").getLength() > 0;
      if (status >= 400 && !error)
        problems.add(description + " -> " + status + " XML without an error element: " + text);
    } catch (Exception e) {
      problems.add(description + " -> " + status + " malformed XML body: " + text);
    }
  }

  static String path(Random random) {
    var path = PATHS[random.nextInt(PATHS.length)];
    if (random.nextInt(3) == 0) {
      var segments = path.split("/");
      if (segments.length > 1) {
        segments[1 + random.nextInt(segments.length - 1)] = BAD_SEGMENTS[random.nextInt(BAD_SEGMENTS.length)];
        path = String.join("/", segments);
        if (path.isEmpty()) path = "/";
      }
    }
    return path + QUERIES[random.nextInt(QUERIES.length)];
  }

  static String body(Random random) {
    return switch (random.nextInt(20)) {
      case 0 -> "";
      case 1 -> "{";
      case 2 -> "{\"data\":{\"type\":\"vhosts\",\"id\":" + "9".repeat(400) + "}}";
      case 3 -> "{\"data\":{\"type\":42,\"id\":[],\"attributes\":\"x\"}}";
      case 4 -> "{\"trigger\":{\"event\":\"" + "e".repeat(random.nextInt(300)) + "\",\"data\":1e999}}";
      case 5 -> "{\"trigger\":{\"event\":\"\\u0000\\n\",\"data\":null}}";
      case 6 -> "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]";
      case 7 -> "{\"data\":{\"type\":\"users\",\"id\":\"u" + random.nextInt(1000)
          + "\",\"attributes\":{\"password\":123,\"admin\":true}}}";
      case 8 -> "\"just a string\"";
      case 9 -> "<xml><data/></xml>";
      case 10 ->
        new String(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2}, java.nio.charset.StandardCharsets.ISO_8859_1);
      case 11 ->
        "{\"unknown\":true,\"data\":{\"type\":\"channels\",\"id\":\"c" + random.nextInt(50) + "\",\"extra\":{}}}";
      case 12 -> "{\"data\":{\"attributes\":{\"password\":\"" + "p".repeat(2000) + "\"}}}";
      case 14 -> "<document><data><type>vhosts</type><id>x" + random.nextInt(50) + "</id><attributes><historySize>"
          + (random.nextBoolean() ? "9".repeat(30) : "-1")
          + "</historySize><limits>7</limits></attributes></data></document>";
      case 15 -> "<document><data><type>vhosts</type>";
      case 16 -> "<!DOCTYPE d [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><d>&b;</d>";
      case 17 -> "<trigger><trigger><event/><data><item/><item>1</item></data></trigger></trigger>";
      case 18 -> "<d>" + "<x>".repeat(200) + "</x>".repeat(200) + "</d>";
      case 19 -> "[{\"op\":\"replace\",\"path\":\"/data/attributes/historySize\",\"value\":" + random.nextInt()
          + "},{\"op\":7}]";
      default -> "{\"trigger\":{\"event\":\"ok\",\"data\":{\"n\":" + random.nextLong() + "}}}";
    };
  }
}
