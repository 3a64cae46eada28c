package io.mws.gateway;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Pusher's subscription signatures: {@code auth = key + ":" + hex(HMAC-SHA256(secret, socket_id + ":" +
 * channel [+ ":" + channel_data]))}. The secret is the app's (the vhost's token digest, docs/pusher.md).
 */
final class PusherSignatures {
  private PusherSignatures() {}

  static String sign(String secret, String message) {
    try {
      var mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code auth} is the app key and the signature of {@code message}; constant time in the signature. */
  static boolean verify(String key, String secret, String message, String auth) {
    if (auth == null || !auth.startsWith(key + ":")) return false;
    var given = auth.substring(key.length() + 1).toLowerCase(java.util.Locale.ROOT);
    return MessageDigest.isEqual(sign(secret, message).getBytes(StandardCharsets.US_ASCII),
        given.getBytes(StandardCharsets.US_ASCII));
  }
}
