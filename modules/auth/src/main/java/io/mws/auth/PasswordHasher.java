package io.mws.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * PBKDF2-HMAC-SHA256 password hashes (the JDK's implementation), stored as
 * {@code pbkdf2-sha256$<iterations>$<salt>$<hash>}. Slow on purpose: call it on a worker thread.
 */
final class PasswordHasher {
  static final int ITERATIONS = 210_000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private PasswordHasher() {}

  static String hash(String password) {
    var salt = new byte[16];
    RANDOM.nextBytes(salt);
    return "pbkdf2-sha256$" + ITERATIONS + "$" + b64(salt) + "$" + b64(derive(password, salt, ITERATIONS));
  }

  /**
   * A record no password matches (its hash is random bytes, not derived from anything) whose check costs
   * what a real record's does: the same {@link #ITERATIONS} of PBKDF2, which is all a check spends. What an
   * unknown user's password is checked against; unlike a real hash it costs nothing to make.
   */
  static String unmatchable() {
    var salt = new byte[16];
    var hash = new byte[32];
    RANDOM.nextBytes(salt);
    RANDOM.nextBytes(hash);
    return "pbkdf2-sha256$" + ITERATIONS + "$" + b64(salt) + "$" + b64(hash);
  }

  static boolean verify(String password, String stored) {
    var parts = stored.split("\\$");
    if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256")) return false;
    var salt = Base64.getDecoder().decode(parts[2]);
    var expected = Base64.getDecoder().decode(parts[3]);
    return MessageDigest.isEqual(expected, derive(password, salt, Integer.parseInt(parts[1])));
  }

  private static byte[] derive(String password, byte[] salt, int iterations) {
    try {
      var spec = new PBEKeySpec(password.toCharArray(), salt, iterations, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2WithHmacSHA256 is missing from this JDK", e);
    }
  }

  private static String b64(byte[] bytes) {
    return Base64.getEncoder().withoutPadding().encodeToString(bytes);
  }
}
