package io.mws.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ClusterTest;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With a PEM certificate and key in config, the one port speaks HTTPS and WSS, and refuses plain HTTP. */
@ClusterTest
class TlsTest {

  @Test
  void httpsAndWssWithACertificateTheTestGenerates() throws Exception {
    var certificate = SelfSignedCertificate.create("localhost");
    var client = Vertx.vertx();
    Node node = null;
    try {
      var config = new TestNodes(1).config(0).json().copy();
      config.getJsonObject("http").put("tls", new JsonObject()
          .put("certFile", certificate.certificatePath()).put("keyFile", certificate.privateKeyPath()));
      node = TestCluster.await(Node.start(new NodeConfig(config)));
      int port = node.httpPort();

      var https = OpenApiConformance.validating(
          WebClient.create(client, new WebClientOptions().setSsl(true).setTrustOptions(certificate.trustOptions())));
      var ready = TestCluster.await(https.get(port, "localhost", "/readyz").send());
      assertThat(ready.statusCode()).isEqualTo(200);
      var root = TestCluster.await(https.get(port, "localhost", "/v1").send());
      assertThat(root.bodyAsJsonObject().getJsonObject("meta").getString("name")).isEqualTo("MWS");

      var plain = OpenApiConformance.validating(WebClient.create(client));
      assertThat(plain.get(port, "localhost", "/readyz").send().toCompletionStage().toCompletableFuture()
          .handle((r, e) -> e != null || r.statusCode() != 200).get(20, TimeUnit.SECONDS)).as("plain HTTP refused")
          .isTrue();

      var wss = client
          .createWebSocketClient(new WebSocketClientOptions().setSsl(true).setTrustOptions(certificate.trustOptions()));
      var socket = TestCluster
          .await(wss.connect(new WebSocketConnectOptions().setHost("localhost").setPort(port).setURI("/v1/ws")));
      var replies = new LinkedBlockingQueue<JsonObject>();
      socket.textMessageHandler(text -> replies.add(new JsonObject(text)));
      socket.writeTextMessage(new JsonObject().put("requestId", "p").put("method", "ping").encode());
      assertThat(replies.poll(20, TimeUnit.SECONDS).getInteger("status")).isEqualTo(200);
      socket.close();
    } finally {
      if (node != null) TestCluster.await(node.close());
      TestCluster.await(client.close());
      certificate.delete();
    }
  }
}
