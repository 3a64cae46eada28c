package io.mws.server;

import static io.vertx.core.http.HttpMethod.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.mws.testsupport.WatchClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.HttpResponse;
import java.io.ByteArrayInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** XML through content negotiation: the same documents (errors too) as XML, and XML request bodies. */
@ClusterTest
class XmlRepresentationTest {
  static TestCluster cluster;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(1);
    token = cluster.createVhost("moon");
    cluster.send(0, PUT, "/v1/vhosts/moon/channels/c", "Bearer " + token, null);
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
  }

  HttpResponse<Buffer> send(HttpMethod method, String path, String accept, String type, String body) throws Exception {
    var request = cluster.http.request(method, cluster.port(0), "127.0.0.1", path).putHeader("Authorization",
        cluster.adminAuth());
    if (accept != null) request.putHeader("Accept", accept);
    if (body == null) return TestCluster.await(request.send());
    return TestCluster.await(request.putHeader("Content-Type", type).sendBuffer(Buffer.buffer(body)));
  }

  static Document xml(HttpResponse<Buffer> response) throws Exception {
    assertThat(response.getHeader("Content-Type")).startsWith("application/xml");
    var factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(response.body().getBytes()));
  }

  static String at(Document document, String xpath) throws Exception {
    return XPathFactory.newInstance().newXPath().evaluate(xpath, document);
  }

  static String vhost(String name, String attributes) {
    return "<document><data><type>vhosts</type><id>" + name + "</id><attributes>" + attributes
        + "</attributes></data></document>";
  }

  @Test
  void aResourceAndACollectionReadAsTheSameDocumentInXml() throws Exception {
    var one = xml(send(GET, "/v1/vhosts/moon", "application/xml", null, null));
    assertThat(at(one, "/document/data/type")).isEqualTo("vhosts");
    assertThat(at(one, "/document/data/id")).isEqualTo("moon");
    assertThat(at(one, "/document/data/links/self")).isEqualTo("/v1/vhosts/moon");
    assertThat(at(one, "/document/data/relationships/channels/links/related")).isEqualTo("/v1/vhosts/moon/channels");

    var list = send(GET, "/v1/vhosts?format=xml&limit=1", null, null, null);
    var document = xml(list);
    assertThat(at(document, "count(/document/data/item)")).isEqualTo("1");
    assertThat(at(document, "/document/meta/total")).isNotEmpty();
    assertThat(list.getHeader("Link")).contains("rel=\"self\"");
    assertThat(list.getHeader("Vary")).isEqualTo("Accept");
    var pretty = send(GET, "/v1/vhosts/moon?pretty=true", "application/xml", null, null);
    assertThat(pretty.bodyAsString()).contains("\n  <data>");

    assertThat(
        send(GET, "/v1/vhosts/moon", "application/xml;q=0.5, application/json", null, null).getHeader("Content-Type"))
        .as("JSON weighs more, in the type asked").startsWith("application/json");
    assertThat(send(GET, "/v1/vhosts/moon", "application/xml, */*", null, null).getHeader("Content-Type"))
        .as("named beats wildcard").startsWith("application/xml");
  }

  @Test
  void errorsAreXmlTooButA406StaysJson() throws Exception {
    var missing = send(GET, "/v1/vhosts/nowhere", "application/xml", null, null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(at(xml(missing), "/document/error/reason")).isEqualTo("vhost_not_found");
    var invalid = send(PUT, "/v1/vhosts/moon?format=xml", null, "application/xml",
        vhost("moon", "<historySize>lots</historySize><colour>red</colour>"));
    assertThat(invalid.statusCode()).isEqualTo(422);
    assertThat(at(xml(invalid), "count(/document/errors/item)")).isEqualTo("2");
    var refused = send(GET, "/v1/vhosts/moon", "text/html", null, null);
    assertThat(refused.statusCode()).isEqualTo(406);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("reason")).isEqualTo("not_acceptable");
    assertThat(send(GET, "/v1/vhosts/moon?format=yaml", null, null, null).statusCode()).isEqualTo(400);
  }

  @Test
  void xmlBodiesAreTypedBySchemaWhereTheResourceHasOne() throws Exception {
    // Accept: JSON, to read the typed values back (without it an XML request is answered in XML).
    var created = send(POST, "/v1/vhosts", "application/json", "application/xml", vhost("xmlmoon",
        "<historySize>5</historySize><clientPublish>true</clientPublish><allowedOrigins><item>https://a.example</item></allowedOrigins>"
            + "<limits><connections>7</connections></limits>"));
    assertThat(created.statusCode()).isEqualTo(201);
    var attributes = created.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes");
    assertThat(attributes.getValue("historySize")).isEqualTo(5);
    assertThat(attributes.getValue("clientPublish")).isEqualTo(true);
    assertThat(attributes.getJsonArray("allowedOrigins")).containsExactly("https://a.example");
    assertThat(attributes.getJsonObject("limits").getValue("connections")).isEqualTo(7);

    var patched = send(PATCH, "/v1/vhosts/xmlmoon", "application/json", "application/xml",
        "<document><data><attributes><allowedOrigins>https://b.example</allowedOrigins></attributes></data></document>");
    assertThat(patched.statusCode()).isEqualTo(200);
    assertThat(
        patched.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getJsonArray("allowedOrigins"))
        .as("one origin without <item> is a list of one").containsExactly("https://b.example");

    var fired = TestCluster.await(cluster.http
        .request(POST, cluster.port(0), "127.0.0.1", "/v1/vhosts/moon/channels/c/events")
        .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/xml")
        .putHeader("Accept", "application/json")
        .sendBuffer(Buffer.buffer(
            "<trigger><trigger><event>hello</event><data><n>1</n><tags><item>a</item></tags></data></trigger></trigger>")));
    assertThat(fired.statusCode()).isEqualTo(202);
    assertThat(
        fired.bodyAsJsonObject().getJsonObject("data").getJsonObject("attributes").getJsonObject("data").encode())
        .as("data without a schema stays text").isEqualTo("{\"n\":\"1\",\"tags\":[\"a\"]}");
  }

  @Test
  void overWebSocketAnswersStayJson() throws Exception {
    try (var client = WatchClient.connect(cluster, 0, "/v1/ws")) {
      var reply = client.request(new io.vertx.core.json.JsonObject().put("requestId", "x").put("method", "get")
          .put("path", "/v1/vhosts/moon?format=xml").put("headers", new io.vertx.core.json.JsonObject()
              .put("authorization", "Bearer " + token).put("accept", "application/xml")));
      assertThat(reply.getInteger("status")).isEqualTo(200);
      assertThat(reply.getJsonObject("data").getJsonObject("data").getString("id")).isEqualTo("moon");
    }
  }

  @Test
  void malformedOrHostileXmlIs400() throws Exception {
    var broken = send(POST, "/v1/vhosts", null, "application/xml", "<document><data>");
    assertThat(broken.statusCode()).isEqualTo(400);
    assertThat(at(xml(broken), "/document/error/reason")).as("answered in the request's syntax")
        .isEqualTo("invalid_xml");
    var entity = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><document><data>&x;</data></document>";
    assertThat(send(POST, "/v1/vhosts", null, "application/xml", entity).statusCode()).isEqualTo(400);
    var deep = "<a>".repeat(500) + "</a>".repeat(500);
    assertThat(send(POST, "/v1/vhosts", null, "application/xml", deep).statusCode()).isEqualTo(400);
    var weirdKey = TestCluster.await(cluster.http
        .request(POST, cluster.port(0), "127.0.0.1", "/v1/vhosts/moon/channels/c/events")
        .putHeader("Authorization", "Bearer " + token).putHeader("Content-Type", "application/json")
        .sendBuffer(Buffer.buffer("{\"trigger\":{\"event\":\"odd\",\"data\":{\"not a name\":1,\"\":2,\"1x\":[]}}}")));
    assertThat(weirdKey.statusCode()).isEqualTo(202);
    var history = send(GET, "/v1/vhosts/moon/channels/c/events?format=xml", null, null, null);
    assertThat(history.statusCode()).isEqualTo(200);
    assertThat(at(xml(history), "count(/document/data/item)")).isNotEqualTo("0");
  }
}
