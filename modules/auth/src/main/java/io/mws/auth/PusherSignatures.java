package io.mws.auth;

import io.mws.protocol.ApiError;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pusher's HMAC-SHA256 signatures, computed here because the key lives here: a vhost's Pusher secret
 * is the hex SHA-256 of its vhost token, which {@link VhostTokens} stores (docs/pusher.md). Serves
 * {@code PUSHER_VERIFY} (signed HTTP API requests) and {@code PUSHER_SIGN} (webhook bodies).
 */
final class PusherSignatures {
  private final VhostTokens tokens;

  PusherSignatures(VhostTokens tokens) {
    this.tokens = tokens;
  }

  /** {vhost, stringToSign, signature} -> {} when it matches, else 401 (the same answer for a vhost without a token). */
  Future<JsonObject> verify(JsonObject body) {
    var given = body.getString("signature", "");
    return secret(body.getString("vhost")).map(secret -> {
      var expected = hmac(secret, body.getString("stringToSign", ""));
      if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8))) {
        throw ApiError.unauthorized("Invalid signature: you should have sent HmacSHA256Hex(string_to_sign, secret)");
      }
      return new JsonObject();
    });
  }

  /** {vhost, body} -> {key, signature}: what a webhook's X-Pusher-Key and X-Pusher-Signature carry. */
  Future<JsonObject> sign(JsonObject body) {
    var vhost = body.getString("vhost");
    return secret(vhost)
        .map(secret -> new JsonObject().put("key", vhost).put("signature", hmac(secret, body.getString("body", ""))));
  }

  private Future<String> secret(String vhost) {
    if (vhost == null) return Future.failedFuture(ApiError.unauthorized("Unknown app."));
    return tokens.pusherSecret(vhost).map(secret -> {
      if (secret == null) throw ApiError.unauthorized("Unknown app, or it has no token.");
      return secret;
    });
  }

  static String hmac(String secret, String data) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }
}
