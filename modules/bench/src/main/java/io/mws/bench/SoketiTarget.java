package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Soketi over the Pusher protocol: {@code pusher:subscribe} on the WebSocket, signed {@code POST /apps/<id>/events}. */
public final class SoketiTarget implements Target {
  private final String host;
  private final int port;
  private final String appId;
  private final String key;
  private final String secret;
  private final Clients clients;

  public SoketiTarget(Vertx vertx, String host, int port, String appId, String key, String secret, int httpPool) {
    this.host = host;
    this.port = port;
    this.appId = appId;
    this.key = key;
    this.secret = secret;
    this.clients = new Clients(vertx, httpPool);
  }

  @Override public String name() { return "soketi"; }

  @Override public Future<Void> setUp(List<String> channels) { return Future.succeededFuture(); }

  @Override
  public Future<Subscription> subscribe(String channel, Consumer<String> onText) {
    return clients.ws.connect(port, host, "/app/" + key + "?protocol=7&client=java&version=1.0").compose(ws -> {
      Promise<Subscription> subscribed = Promise.promise();
      ws.exceptionHandler(subscribed::tryFail);
      ws.closeHandler(v -> subscribed.tryFail("closed before subscription_succeeded"));
      ws.textMessageHandler(text -> {
        if (!subscribed.future().isComplete()) {
          if (text.contains("pusher:connection_established")) {
            ws.writeTextMessage(new JsonObject().put("event", "pusher:subscribe")
                .put("data", new JsonObject().put("channel", channel)).encode());
          } else if (text.contains("pusher_internal:subscription_succeeded")) {
            subscribed.tryComplete(ws::close);
          } else if (text.contains("pusher:error")) {
            subscribed.tryFail("soketi: " + text);
          }
          return;
        }
        onText.accept(text);
      });
      return subscribed.future();
    });
  }

  @Override
  public Future<Void> publish(String channel, String payload) {
    var body = new JsonObject().put("name", "e").put("channels", new JsonArray().add(channel)).put("data", payload).encode();
    var path = "/apps/" + appId + "/events";
    var query = "auth_key=" + key + "&auth_timestamp=" + (System.currentTimeMillis() / 1000)
        + "&auth_version=1.0&body_md5=" + md5(body);
    var signature = hmac("POST\n" + path + "\n" + query);
    return clients.http.post(port, host, path + "?" + query + "&auth_signature=" + signature)
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body))
        .compose(r -> r.statusCode() / 100 == 2 ? Future.succeededFuture()
            : Future.failedFuture("soketi publish: HTTP " + r.statusCode() + " " + r.bodyAsString()));
  }

  private static String md5(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) { throw new IllegalStateException(e); }
  }

  private String hmac(String s) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(s.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) { throw new IllegalStateException(e); }
  }

  @Override public Future<Void> close() { return clients.close(); }
}
