package io.mws.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Pusher Channels protocol as the bench speaks it to any server that has it (Soketi, MWS's {@code /app/{key}}):
 * {@code pusher:subscribe} of a public channel on {@code /app/<key>}, and {@code POST /apps/<id>/events} signed
 * with the app secret. Both Pusher targets use this one client, so they get the same frames and the same messages.
 */
final class PusherClient {
  private final String server;
  private final Clients clients;
  private final String host;
  private final int port;
  private final String appId;
  private final String key;
  private final String secret;

  /** @param server the name its errors carry */
  PusherClient(String server, Clients clients, String host, int port, String appId, String key, String secret) {
    this.server = server;
    this.clients = clients;
    this.host = host;
    this.port = port;
    this.appId = appId;
    this.key = key;
    this.secret = secret;
  }

  Future<Target.Subscription> subscribe(String channel, Consumer<String> onText) {
    return clients.ws.connect(port, host, "/app/" + key + "?protocol=7&client=java&version=1.0").compose(ws -> {
      Promise<Target.Subscription> subscribed = Promise.promise();
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
            subscribed.tryFail(server + ": " + text);
          }
          return;
        }
        onText.accept(text);
      });
      return subscribed.future();
    });
  }

  Future<Void> publish(String channel, String payload) {
    var body = new JsonObject().put("name", "e").put("channels", new JsonArray().add(channel)).put("data", payload)
        .encode();
    var path = "/apps/" + appId + "/events";
    var query = "auth_key=" + key + "&auth_timestamp=" + (System.currentTimeMillis() / 1000)
        + "&auth_version=1.0&body_md5=" + md5(body);
    var signature = hmac("POST\n" + path + "\n" + query);
    return clients.http.post(port, host, path + "?" + query + "&auth_signature=" + signature)
        .putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body))
        .compose(r -> r.statusCode() / 100 == 2 ? Future.succeededFuture()
            : Future.failedFuture(server + " publish: HTTP " + r.statusCode() + " " + r.bodyAsString()));
  }

  static String sha256(String s) {
    return hex("SHA-256", s);
  }

  private static String md5(String s) {
    return hex("MD5", s);
  }

  private static String hex(String algorithm, String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String hmac(String s) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(s.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
