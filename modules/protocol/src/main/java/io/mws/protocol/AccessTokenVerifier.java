package io.mws.protocol;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * Verifies MWS access tokens (HS256 JWTs the auth verticle issues) wherever the signing key is held:
 * in the auth verticle, and on the gateway node that holds the socket, so an upgrade costs no event-bus
 * hop. Claims: {@code vhost}, {@code sub} (uid), {@code channels} (RE2J pattern), {@code publish},
 * {@code gen} (the vhost token's generation, {@link TokenGenerations}); a scoped stream token has
 * {@code scope: "events"} instead of channels and publish and verifies as an {@link Principal.Role#EVENTS}
 * principal.
 */
public final class AccessTokenVerifier {
  public static final String ISSUER = "mws";
  /** The one scope a token may carry: reading the vhost's backend event stream. */
  public static final String EVENTS_SCOPE = "events";
  /** The cluster map the auth verticle keeps its generated secrets in, and the key of the JWT signing key there. */
  public static final String SECRETS_MAP = "mws.auth.secrets";
  public static final String SIGNING_KEY = "jwt-hs256";

  /**
   * Verified tokens remembered ({@link VerifiedTokens}): ~600 bytes each, so at most ~2.5 MB of heap; a node
   * whose clients present more distinct tokens than this verifies the others in full, as before.
   */
  static final int REMEMBERED_TOKENS = 4096;

  private final JWTAuth jwt;
  private final TokenGenerations generations;
  private final VerifiedTokens verified;

  public AccessTokenVerifier(JWTAuth jwt, TokenGenerations generations) {
    this(jwt, generations, REMEMBERED_TOKENS);
  }

  AccessTokenVerifier(JWTAuth jwt, TokenGenerations generations, int rememberedTokens) {
    this.jwt = jwt;
    this.generations = generations;
    this.verified = new VerifiedTokens(rememberedTokens);
  }

  /** The HS256 signer and verifier of access tokens keyed with the cluster's signing key. */
  public static JWTAuth jwt(Vertx vertx, String signingKey) {
    return JWTAuth.create(vertx, new JWTAuthOptions()
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(signingKey))
        .setJWTOptions(new JWTOptions().setIssuer(ISSUER)));
  }

  /**
   * The client the token was issued to; fails when it is expired, tampered with, not ours, or issued
   * under a vhost token that has since been rotated (or revoked: its vhost deleted). The signature and
   * claims of a token seen before and not expired are not checked again; its generation always is.
   */
  public Future<Principal> verify(String token) {
    var known = verified.get(token, System.currentTimeMillis());
    if (known != null) return current(token, known);
    return jwt.authenticate(new TokenCredentials(token)).compose(user -> {
      var claims = user.principal();
      var vhost = claims.getString("vhost");
      if (!ISSUER.equals(claims.getString("iss")) || vhost == null) {
        return Future.failedFuture("not an MWS access token");
      }
      var scope = claims.getString("scope");
      if (scope != null && !EVENTS_SCOPE.equals(scope)) return Future.failedFuture("unknown scope");
      var principal = scope != null
          ? new Principal(Principal.Role.EVENTS, vhost, null, null, false, Jwts.expiresAt(user))
          : new Principal(Principal.Role.CLIENT, vhost, claims.getString("sub"),
              claims.getString("channels"), claims.getBoolean("publish", false), Jwts.expiresAt(user));
      var checked = new VerifiedTokens.Verified(principal, claims.getString("gen"));
      return current(token, checked).onSuccess(ok -> verified.put(token, checked));
    });
  }

  /** The token's principal while the generation it was issued under is its vhost's current one. */
  private Future<Principal> current(String token, VerifiedTokens.Verified checked) {
    return generations.current(checked.principal().vhost()).map(current -> {
      if (current.isEmpty() || !current.equals(checked.generation())) {
        verified.forget(token);
        throw new IllegalArgumentException("issued under a vhost token that was rotated");
      }
      return checked.principal();
    });
  }

  /** How many verified tokens are remembered (for tests). */
  int remembered() {
    return verified.size();
  }
}
