package io.mws.api;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.Delivery;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Pusher's request signing (docs/pusher.md): the query carries auth_key (the app key, which is the
 * vhost's name), auth_timestamp (Unix seconds, at most {@value #MAX_SKEW_SECONDS} s off this server's
 * clock), auth_version 1.0, body_md5 (hex MD5 of the raw body, when there is one) and auth_signature,
 * the hex HMAC-SHA256 of {@code METHOD\nPATH\nQUERY} with the app secret, QUERY being every other
 * parameter as {@code key=value} (keys lower-cased, sorted, values as sent once decoded) joined by '&'.
 * The HMAC is checked by the auth verticle ({@link Addresses#PUSHER_VERIFY}), which holds the secret.
 */
final class PusherSigning {
  static final long MAX_SKEW_SECONDS = 600;

  private PusherSigning() {}

  /** Succeeds when the request is signed for {@code app}; fails with a 401 whose message Pusher would give. */
  static Future<Void> verify(Vertx vertx, String app, String method, String path, MultiMap params, Buffer body) {
    String stringToSign;
    String signature;
    try {
      var signed = new TreeMap<String, String>();
      for (var entry : params) signed.putIfAbsent(entry.getKey().toLowerCase(Locale.ROOT), entry.getValue());
      signature = signed.remove("auth_signature");
      if (signature == null || !signed.containsKey("auth_key") || !signed.containsKey("auth_timestamp")) {
        throw ApiError.unauthorized("Missing auth_key, auth_timestamp or auth_signature.");
      }
      if (!app.equals(signed.get("auth_key")))
        throw ApiError.unauthorized("Unknown auth_key " + signed.get("auth_key") + ".");
      checkTimestamp(signed.get("auth_timestamp"));
      if (body.length() > 0 && !md5(body).equals(signed.get("body_md5"))) {
        throw ApiError.unauthorized("The body_md5 does not match the body's MD5.");
      }
      var query = new StringBuilder();
      signed.forEach((k, v) -> query.append(query.isEmpty() ? "" : "&").append(k).append('=').append(v));
      stringToSign = method + "\n" + path + "\n" + query;
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    var request = new JsonObject().put("vhost", app).put("stringToSign", stringToSign).put("signature", signature);
    return Delivery.<JsonObject>request(vertx, Addresses.PUSHER_VERIFY, request)
        .recover(failure -> Future.failedFuture(ApiError.from(failure))).mapEmpty();
  }

  private static void checkTimestamp(String value) {
    long now = System.currentTimeMillis() / 1000;
    long timestamp;
    try {
      timestamp = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw ApiError.unauthorized("auth_timestamp must be Unix seconds.");
    }
    if (Math.abs(now - timestamp) > MAX_SKEW_SECONDS) {
      throw ApiError.unauthorized("Timestamp expired: Given timestamp (" + timestamp + ") not within "
          + MAX_SKEW_SECONDS + "s of server time (" + now + ")");
    }
  }

  static String md5(Buffer body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body.getBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
