package io.mws.auth;

import io.mws.protocol.Addresses;
import io.mws.protocol.ApiError;
import io.mws.protocol.Names;
import io.mws.protocol.Versions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admin users in a cluster-wide map: name -> {name, hash (PBKDF2), created, updated}. A successful
 * password check is remembered per user for a few minutes (as a SHA-256 of the credentials, never the
 * password) so Basic auth on every request does not cost a slow hash; a password change or deletion
 * is broadcast and every node forgets what it remembered. Records leave this class without the hash.
 */
final class AdminUsers {
  static final int MIN_PASSWORD = 8;
  private static final long CACHE_MS = 5 * 60_000;

  private record Verified(String credentials, long until) {}

  private final Vertx vertx;
  private final AsyncMap<String, String> records;
  private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();
  /** Password checks under way, by credentials digest. */
  private final ConcurrentHashMap<String, Future<Boolean>> checking = new ConcurrentHashMap<>();
  /**
   * The record an unknown user's password is checked against, so that the check costs what a known user's
   * does. Not a hash of anything ({@link PasswordHasher#unmatchable}): making a real one was a PBKDF2 hash
   * of 210,000 rounds at every node start, for a value only ever compared with (BENCHMARKS.md, "Node
   * ready: the contract and class data sharing").
   */
  private final String unknownUserHash = PasswordHasher.unmatchable();

  AdminUsers(Vertx vertx, AsyncMap<String, String> records) {
    this.vertx = vertx;
    this.records = records;
  }

  Future<Void> listen() {
    return vertx.eventBus().<JsonObject>consumer(Addresses.USER_CHANGED,
        message -> verified.remove(message.body().getString("name"))).completion();
  }

  /**
   * Installs the configured admin. With a password in config it is set (config wins); without one a
   * password is generated, unless the user exists already (another node created it). Returns the
   * generated password, or null when this node generated none.
   */
  Future<String> bootstrap(String user, String configuredPassword) {
    if (configuredPassword != null && !configuredPassword.isEmpty()) {
      return records.get(user)
          .compose(existing -> hashed(user, configuredPassword, existing == null ? null : new JsonObject(existing)))
          .compose(record -> records.put(user, record.encode())).map(v -> null);
    }
    var generated = Secrets.randomHex(12);
    return hashed(user, generated, null)
        .compose(record -> records.putIfAbsent(user, record.encode()))
        .map(previous -> previous == null ? generated : null);
  }

  /**
   * The outcome of these credentials when it costs no hash: true when they were verified in the last
   * minutes, the check under way when the same credentials are being checked right now (a burst of
   * requests after a restart shares one hash); else null, and {@link #verify} must hash.
   */
  Future<Boolean> knownOutcome(String user, String password) {
    var credentials = credentials(user, password);
    var cached = verified.get(user);
    if (cached != null && cached.credentials().equals(credentials) && cached.until() > System.currentTimeMillis()) {
      return Future.succeededFuture(true);
    }
    return checking.get(credentials);
  }

  /** Checks the password against the stored hash (the slow part; see {@link #knownOutcome} for the free answers). */
  Future<Boolean> verify(String user, String password) {
    var credentials = credentials(user, password);
    Future<Boolean> check = records.get(user).compose(stored -> {
      // An unknown user name costs the same hash as a known one, so the time of the answer does not tell
      // an attacker which names exist.
      var hash = stored == null ? unknownUserHash : new JsonObject(stored).getString("hash");
      return vertx.executeBlocking(() -> PasswordHasher.verify(password, hash) && stored != null, false);
    }).onSuccess(ok -> {
      if (ok) verified.put(user, new Verified(credentials, System.currentTimeMillis() + CACHE_MS));
    });
    checking.put(credentials, check);
    check.onComplete(done -> checking.remove(credentials, check));
    return check;
  }

  /** What the caches are keyed by: a digest of the credentials, never the password. */
  private static String credentials(String user, String password) {
    return Secrets.sha256(user + "\u0000" + password);
  }

  Future<List<JsonObject>> list() {
    return records.entries().map(all -> all.values().stream().map(JsonObject::new).map(AdminUsers::visible)
        .sorted(Comparator.comparing(u -> u.getString("name"))).toList());
  }

  Future<JsonObject> get(String name) {
    return records.get(name).map(stored -> {
      if (stored == null) throw notFound(name);
      return visible(new JsonObject(stored));
    });
  }

  Future<JsonObject> create(String name, String password) {
    checkName(name);
    checkPassword(password);
    return hashed(name, password, null).compose(record -> records.putIfAbsent(name, record.encode()).map(previous -> {
      if (previous != null) throw ApiError.conflict("user_exists", "A user named '" + name + "' exists already.");
      return visible(record);
    }));
  }

  /**
   * Sets the password and adds 1 to the record's version, by compare-and-set on the stored record: with
   * {@code expectedVersion} >= 0 only if the user still has that version (else 412, see {@link Versions});
   * without, a write that lost a race is applied again on top of the winner.
   */
  Future<JsonObject> setPassword(String name, String password, long expectedVersion) {
    checkPassword(password);
    return vertx.executeBlocking(() -> PasswordHasher.hash(password), false)
        .compose(hash -> replace(name, expectedVersion, stored -> stored.copy().put("hash", hash)
            .put("updated", System.currentTimeMillis()).put(Versions.FIELD, version(stored) + 1)));
  }

  private Future<JsonObject> replace(String name, long expectedVersion,
                                     java.util.function.UnaryOperator<JsonObject> change) {
    return current(name, expectedVersion).compose(stored -> {
      var record = change.apply(new JsonObject(stored));
      return records.replaceIfPresent(name, stored, record.encode()).compose(replaced -> {
        if (!replaced) return replace(name, expectedVersion, change);
        changed(name);
        return Future.succeededFuture(visible(record));
      });
    });
  }

  /** The stored record; 404 when there is none, 412 when it is not at the expected version (>= 0). */
  private Future<String> current(String name, long expectedVersion) {
    return records.get(name).map(stored -> {
      if (stored == null) throw notFound(name);
      long version = version(new JsonObject(stored));
      if (expectedVersion >= 0 && version != expectedVersion) throw Versions.conflict("The user", version);
      return stored;
    });
  }

  private static long version(JsonObject record) {
    return record.getLong(Versions.FIELD, Versions.FIRST);
  }

  /** Deletes the user (if still at {@code expectedVersion}, when >= 0); the last admin cannot be deleted (nobody could log in to create another). */
  Future<JsonObject> delete(String name, long expectedVersion) {
    return records.size().compose(count -> current(name, expectedVersion).compose(stored -> {
      if (count <= 1)
        return Future.failedFuture(ApiError.conflict("last_admin", "The last admin user cannot be deleted."));
      return records.removeIfPresent(name, stored).compose(removed -> {
        if (!removed) return delete(name, expectedVersion);
        changed(name);
        return Future.succeededFuture(visible(new JsonObject(stored)));
      });
    }));
  }

  private void changed(String name) {
    verified.remove(name);
    vertx.eventBus().publish(Addresses.USER_CHANGED, new JsonObject().put("name", name));
  }

  private Future<JsonObject> hashed(String name, String password, JsonObject existing) {
    long now = System.currentTimeMillis();
    return vertx.executeBlocking(() -> PasswordHasher.hash(password), false).map(hash -> new JsonObject()
        .put("name", name).put("hash", hash)
        .put("created", existing == null ? Long.valueOf(now) : existing.getLong("created", now)).put("updated", now)
        .put(Versions.FIELD, existing == null ? Versions.FIRST : version(existing) + 1));
  }

  private static JsonObject visible(JsonObject record) {
    var copy = record.copy();
    copy.remove("hash");
    return copy;
  }

  private static void checkName(String name) {
    if (!Names.isValid(name) || name.equals("wr")) {
      throw ApiError.invalid("invalid_name", "data.id",
          "The user name " + Names.RULE + ", and may not be 'wr' (it marks vhost tokens).");
    }
  }

  private static void checkPassword(String password) {
    if (password == null || password.length() < MIN_PASSWORD || password.length() > 1024) {
      throw ApiError.invalid("invalid_password", "data.attributes.password",
          "The password must be a string of " + MIN_PASSWORD + " to 1024 characters.");
    }
  }

  private static ApiError notFound(String name) {
    return new ApiError(404, "user_not_found", "There is no user named '" + name + "'.");
  }
}
