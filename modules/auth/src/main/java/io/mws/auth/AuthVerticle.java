package io.mws.auth;

import static io.mws.protocol.Addresses.*;

import io.mws.protocol.AccessTokenVerifier;
import io.mws.protocol.ApiError;
import io.mws.protocol.ConfigDefaults;
import io.mws.protocol.ConfigSection;
import io.mws.protocol.Principal;
import io.mws.protocol.QuorumGuard;
import io.mws.protocol.Responder;
import io.mws.protocol.TokenGenerations;
import io.mws.protocol.Versions;
import io.mws.store.StateStore;
import io.mws.store.StoreUnavailable;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Verifies credentials and issues tokens. Config (the {@code auth} section of mws.yaml):
 * {@code adminUser}, {@code adminPassword}, {@code signingKey}, {@code tokenTtlSeconds},
 * {@code maxTokenTtlSeconds}, {@code oauth2} (an external issuer of admin bearer tokens),
 * {@code loginFailures} ({@code perClientPerMinute}, {@code perUserPerMinute}: see {@link LoginThrottle}).
 */
public final class AuthVerticle extends VerticleBase {
  private static final String BASIC = "basic ";
  private static final String BEARER = "bearer ";
  /** The Basic user name that marks a vhost token, as in WebRocket. */
  private static final String VHOST_TOKEN_USER = "wr";
  /**
   * The client of an AUTHENTICATE request that does not name one (a transport that does not pass the
   * caller's address yet): all such requests share one client budget of failed logins.
   */
  static final String UNKNOWN_CLIENT = "unknown";

  /** Store of record kinds: what AuthVerticle keeps there, one map each. */
  static final List<String> KINDS = List.of("admin-user", "vhost-by-token-digest", "token-digest-of-vhost", "secret");

  private final StateStore store;
  /** Answers 503 no_quorum, not 401 or 404, for what a node not whole did not find (see QuorumGuard). */
  private final QuorumGuard quorum;
  private AdminUsers admins;
  private VhostTokens vhostTokens;
  private PusherSignatures pusher;
  private AccessTokens accessTokens;
  private TokenGenerations generations;
  private ExternalIssuer externalIssuer;
  private LoginThrottle throttle;
  private int defaultTtl;
  private int maxTtl;

  /** @param store the node's store of record: users, token digests and the generated signing key are kept there */
  public AuthVerticle(StateStore store) {
    this(store, QuorumGuard.NONE);
  }

  /**
   * @param store  the node's store of record
   * @param quorum whether this node is whole, so a node cut off from the others never calls a good token invalid
   */
  public AuthVerticle(StateStore store, QuorumGuard quorum) {
    this.store = store;
    this.quorum = quorum;
  }

  @Override
  public Future<?> start() {
    var conf = ConfigDefaults.over("auth", config()); // a bad value below fails the start, naming its key
    var auth = new ConfigSection("auth", conf);
    defaultTtl = auth.integer("tokenTtlSeconds", 1);
    maxTtl = auth.integer("maxTokenTtlSeconds", 1);
    var failures = auth.section("loginFailures");
    throttle = new LoginThrottle(failures.integer("perClientPerMinute", 0), failures.integer("perUserPerMinute", 0));
    var data = vertx.sharedData();
    return Future.all(
        data.<String, String>getAsyncMap("mws.auth.admins"),
        data.<String, String>getAsyncMap("mws.auth.vhost-by-token"),
        data.<String, String>getAsyncMap(TokenGenerations.MAP),
        data.<String, String>getAsyncMap(AccessTokenVerifier.SECRETS_MAP))
        .compose(hot -> {
          var maps = new ArrayList<DurableMap>();
          for (int i = 0; i < KINDS.size(); i++) maps.add(new DurableMap(hot.resultAt(i), store, KINDS.get(i)));
          return restoreOnce(maps).map(maps);
        })
        .compose(maps -> {
          admins = new AdminUsers(vertx, maps.get(0));
          generations = new TokenGenerations(vertx, maps.get(2));
          vhostTokens = new VhostTokens(maps.get(1), maps.get(2), generations);
          pusher = new PusherSignatures(vhostTokens);
          return signingKey(maps.get(3), conf.getString("signingKey"));
        })
        .compose(key -> {
          accessTokens = new AccessTokens(vertx, key, generations);
          try {
            externalIssuer = ExternalIssuer.fromConfig(vertx, conf.getJsonObject("oauth2"));
          } catch (java.io.IOException e) {
            return Future.failedFuture("auth.oauth2: cannot read the issuer's keys: " + e.getMessage());
          }
          var user = auth.text("adminUser");
          return admins.bootstrap(user, conf.getString("adminPassword")).onSuccess(generated -> {
            if (generated != null) {
              // Printed once, on the node that created the admin, so an operator can log in.
              System.out.println("MWS generated a password for admin user '" + user + "': " + generated
                  + "  (set MWS_ADMIN_PASSWORD to choose one)");
            }
          });
        })
        .compose(v -> Future.all(List.of(
            generations.listen(),
            admins.listen(),
            respond(USER_LIST, b -> admins.list().map(users -> new JsonObject().put("items", new JsonArray(users)))),
            respond(USER_GET, b -> admins.get(b.getString("name"))),
            respond(USER_CREATE, b -> admins.create(b.getString("name"), b.getString("password"))),
            respond(USER_UPDATE,
                b -> admins.setPassword(b.getString("name"), b.getString("password"), Versions.expected(b))),
            respond(USER_DELETE, b -> admins.delete(b.getString("name"), Versions.expected(b))),
            respond(AUTHENTICATE, this::authenticate),
            respond(VHOST_TOKEN_ISSUE, b -> vhostTokens.issue(b.getString("vhost"))
                .map(token -> new JsonObject().put("token", token))),
            respond(VHOST_TOKEN_REVOKE, b -> vhostTokens.revoke(b.getString("vhost"))
                .map(x -> new JsonObject())),
            respond(ACCESS_TOKEN_ISSUE, this::issueAccessToken),
            respond(PUSHER_VERIFY, pusher::verify),
            respond(PUSHER_SIGN, pusher::sign),
            respond(PUSHER_SECRET, this::pusherSecret))));
  }

  /**
   * Serves one address; a change the store of record could not take is answered 503 store_unavailable, an
   * absence this node may not have seen whole 503 no_quorum.
   */
  private Future<Void> respond(String address, java.util.function.Function<JsonObject, Future<JsonObject>> handler) {
    return Responder
        .serve(vertx, address, body -> quorum.read(() -> handler.apply(body)).recover(failure -> Future.failedFuture(
            failure instanceof StoreUnavailable ? ApiError.storeUnavailable() : failure)))
        .completion();
  }

  /**
   * Fills the cluster's maps from the store of record once per cluster lifetime (when the cluster
   * starts cold): the first auth node takes the lock, the others wait and find it done.
   */
  private Future<Void> restoreOnce(List<DurableMap> maps) {
    var data = vertx.sharedData();
    return data.getLockWithTimeout("mws.auth.restore", 120_000)
        .compose(lock -> data.<String, Long>getAsyncMap("mws.auth.restored")
            .compose(marks -> marks.get("restored").compose(done -> done != null
                ? Future.succeededFuture()
                : Future.all(maps.stream().map(DurableMap::restore).toList())
                    .compose(all -> marks.put("restored", System.currentTimeMillis()))))
            .eventually(() -> {
              lock.release();
              return Future.succeededFuture();
            }));
  }

  /**
   * Body: {vhost}. Reply: {secret}, the vhost's Pusher app secret: the digest of its token, which is all
   * the server keeps of it (docs/pusher.md). Only the gateway asks, to check subscription signatures.
   */
  private Future<JsonObject> pusherSecret(JsonObject body) {
    var vhost = body.getString("vhost");
    return vhostTokens.pusherSecret(vhost).map(digest -> {
      if (digest == null) throw ApiError.vhostNotFound(vhost);
      return new JsonObject().put("secret", digest);
    });
  }

  /** The cluster's JWT signing key: from config, else the one the first node generated and shared. */
  private Future<String> signingKey(AsyncMap<String, String> secrets, String configured) {
    if (configured != null && !configured.isEmpty()) {
      if (configured.length() < 32)
        throw new IllegalArgumentException("auth.signingKey must be at least 32 characters");
      return Future.succeededFuture(configured);
    }
    var generated = Secrets.randomHex(32);
    return secrets.putIfAbsent(AccessTokenVerifier.SIGNING_KEY, generated)
        .map(existing -> existing == null ? generated : existing);
  }

  /**
   * Body: {authorization, apikey, client}; client is the caller's address, for the failed-login budgets.
   * Reply: the Principal; anonymous when there are no credentials.
   */
  private Future<JsonObject> authenticate(JsonObject body) {
    var authorization = body.getString("authorization");
    var apikey = body.getString("apikey");
    var client = body.getValue("client") instanceof String address ? address : UNKNOWN_CLIENT;
    Future<Principal> principal;
    if (authorization != null && !authorization.isBlank()) {
      principal = fromAuthorization(authorization.strip(), client);
    } else if (apikey != null && !apikey.isEmpty()) {
      principal = fromVhostToken(apikey);
    } else {
      principal = Future.succeededFuture(Principal.ANONYMOUS);
    }
    return principal.map(Principal::toJson);
  }

  private Future<Principal> fromAuthorization(String header, String client) {
    var lower = header.toLowerCase(java.util.Locale.ROOT);
    if (lower.startsWith(BASIC)) {
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(header.substring(BASIC.length()).strip()),
            StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(ApiError.unauthorized("The Basic credentials are not valid base64."));
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) return Future.failedFuture(ApiError.unauthorized("The Basic credentials have no ':'."));
      var user = decoded.substring(0, colon);
      var password = decoded.substring(colon + 1);
      if (user.equals(VHOST_TOKEN_USER)) return fromVhostToken(password);
      return adminLogin(user, password, client);
    }
    if (lower.startsWith(BEARER)) {
      var token = header.substring(BEARER.length()).strip();
      if (Secrets.isVhostTokenShaped(token)) return fromVhostToken(token);
      if (externalIssuer != null && externalIssuer.claims(token)) {
        return externalIssuer.verify(token).recover(e -> Future
            .failedFuture(ApiError.unauthorized("The OAuth2 token is invalid, expired, or not for this audience.")));
      }
      return accessTokens.verify(token).recover(
          e -> Future.failedFuture(ApiError.unauthorized("The access token is invalid, expired, or was revoked.")));
    }
    return Future.failedFuture(ApiError.unauthorized("Unsupported authorization scheme; use Basic or Bearer."));
  }

  /**
   * A password check, throttled before the slow hash (see {@link LoginThrottle}). A client whose budget
   * is spent is refused first, even for credentials that would cost nothing to check (else it could
   * test guesses against the remembered ones at no cost); only an attempt that needs a hash spends budget.
   */
  private Future<Principal> adminLogin(String user, String password, String client) {
    var refusal = throttle.refusal(client, user);
    if (refusal != null) return Future.failedFuture(refusal);
    var check = admins.knownOutcome(user, password);
    boolean spent = check == null;
    if (spent) {
      refusal = throttle.admit(client, user);
      if (refusal != null) return Future.failedFuture(refusal);
      check = admins.verify(user, password);
    }
    return check.map(ok -> {
      if (!ok) throw ApiError.unauthorized("Wrong user name or password.");
      throttle.succeeded(client, user, spent);
      return Principal.admin(user);
    });
  }

  private Future<Principal> fromVhostToken(String token) {
    return vhostTokens.vhostOf(token).map(vhost -> {
      if (vhost == null) throw ApiError.unauthorized("The vhost token is not valid.");
      return Principal.backend(vhost);
    });
  }

  /**
   * Body: {vhost, uid, channels, publish, ttl}, or {vhost, scope: "events", ttl} for a scoped stream
   * token; already validated by the caller. The ttl is capped by maxTokenTtlSeconds either way.
   */
  private Future<JsonObject> issueAccessToken(JsonObject body) {
    int ttl = Math.min(body.getInteger("ttl", defaultTtl), maxTtl);
    var vhost = body.getString("vhost");
    var issued = AccessTokens.EVENTS_SCOPE.equals(body.getString("scope"))
        ? accessTokens.issueEventsToken(vhost, ttl)
        : accessTokens.issue(vhost, body.getString("uid"), body.getString("channels"),
            body.getBoolean("publish", false), ttl);
    return issued
        .map(token -> new JsonObject().put("token", token).put("ttl", ttl)
            .put("expires", System.currentTimeMillis() / 1000 + ttl));
  }
}
