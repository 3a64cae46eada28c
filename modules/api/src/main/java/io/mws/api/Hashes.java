package io.mws.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of text, in hex: ETags of documents, idempotency scopes and fingerprints. */
final class Hashes {
  private Hashes() {}

  /** The first {@code bytes} bytes of the SHA-256 of {@code text} (UTF-8), as hex. */
  static String sha256Hex(String text, int bytes) {
    try {
      var digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
