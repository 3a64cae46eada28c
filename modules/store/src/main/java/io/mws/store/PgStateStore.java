package io.mws.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store of record on PostgreSQL, for clusters: every node connects to the same database
 * ({@code MWS_STORE_URL=postgresql://user:password@host:port/db}) through Vert.x's reactive client.
 * The schema is created and migrated by the nodes at start ({@link PgSchema}). A future that succeeds
 * means the statement was committed (PostgreSQL's own fsync'd WAL, with its default synchronous_commit).
 */
public final class PgStateStore implements StateStore {
  private static final Logger LOG = LoggerFactory.getLogger(PgStateStore.class);

  private final Pool pool;
  private final String description;

  private PgStateStore(Pool pool, String description) {
    this.pool = pool;
    this.description = description;
  }

  /** Connects, migrates the schema, and completes once the store is usable. */
  public static Future<PgStateStore> open(Vertx vertx, String url, int poolSize) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      return Future
          .failedFuture(new IllegalArgumentException("store.url is not a postgresql:// URL: " + e.getMessage()));
    }
    var pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(options).using(vertx).build();
    var description = "PostgreSQL store at " + options.getHost() + ":" + options.getPort() + "/"
        + options.getDatabase();
    return pool.withConnection(PgSchema::migrate)
        .map(version -> {
          LOG.info("{}, schema version {}", description, version);
          return new PgStateStore(pool, description);
        })
        .recover(failure -> pool.close().transform(v -> Future.failedFuture(failure)));
  }

  @Override
  public Future<Map<String, JsonObject>> records(String kind) {
    return guarded(pool.preparedQuery("SELECT key, value::text FROM mws_records WHERE kind = $1")
        .execute(Tuple.of(kind)).map(rows -> {
          var result = new HashMap<String, JsonObject>();
          for (Row row : rows) result.put(row.getString(0), new JsonObject(row.getString(1)));
          return result;
        }));
  }

  @Override
  public Future<Void> put(String kind, String key, JsonObject value) {
    return guarded(pool.preparedQuery("INSERT INTO mws_records (kind, key, value) VALUES ($1, $2, $3) "
        + "ON CONFLICT (kind, key) DO UPDATE SET value = EXCLUDED.value, updated = now()")
        .execute(Tuple.of(kind, key, value)).mapEmpty());
  }

  @Override
  public Future<Void> remove(String kind, String key) {
    return guarded(pool.preparedQuery("DELETE FROM mws_records WHERE kind = $1 AND key = $2")
        .execute(Tuple.of(kind, key)).mapEmpty());
  }

  @Override
  public Future<Map<String, Long>> ceilings() {
    return guarded(pool.query("SELECT channel, rev FROM mws_ceilings").execute().map(rows -> {
      var result = new HashMap<String, Long>();
      for (Row row : rows) result.put(row.getString(0), row.getLong(1));
      return result;
    }));
  }

  @Override
  public Future<Void> raiseCeiling(String channel, long rev) {
    return guarded(pool.preparedQuery("INSERT INTO mws_ceilings (channel, rev) VALUES ($1, $2) "
        + "ON CONFLICT (channel) DO UPDATE SET rev = GREATEST(mws_ceilings.rev, EXCLUDED.rev)")
        .execute(Tuple.of(channel, rev)).mapEmpty());
  }

  @Override
  public Future<Boolean> replaceCeiling(String channel, long expected, long rev) {
    // An absent row reads as 0, so expecting 0 also matches "no row yet".
    var sql = expected == 0
        ? "INSERT INTO mws_ceilings (channel, rev) VALUES ($1, $3) ON CONFLICT (channel) DO UPDATE SET rev = EXCLUDED.rev WHERE mws_ceilings.rev = $2"
        : "UPDATE mws_ceilings SET rev = $3 WHERE channel = $1 AND rev = $2";
    return guarded(pool.preparedQuery(sql).execute(Tuple.of(channel, expected, rev)).map(rows -> rows.rowCount() == 1));
  }

  /** One transaction: every event inserted (a batch, one round trip), then each channel trimmed to {@code keep}. */
  @Override
  public Future<Void> append(List<StoredEvent> events, int keep) {
    if (events.isEmpty()) return Future.succeededFuture();
    var inserts = new ArrayList<Tuple>(events.size());
    var newest = new LinkedHashMap<String, Long>();
    for (var e : events) {
      inserts.add(Tuple.of(e.channel(), e.rev(), e.epoch(), e.body()));
      newest.merge(e.channel(), e.rev(), Math::max);
    }
    var trims = new ArrayList<Tuple>(newest.size());
    newest.forEach((channel, rev) -> trims.add(Tuple.of(channel, rev - keep)));
    return guarded(pool.withTransaction(connection -> connection
        .preparedQuery(
            "INSERT INTO mws_events (channel, rev, epoch, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .executeBatch(inserts)
        .compose(v -> connection.preparedQuery("DELETE FROM mws_events WHERE channel = $1 AND rev <= $2")
            .executeBatch(trims)))
        .mapEmpty());
  }

  @Override
  public Future<Map<String, Long>> newestRevs() {
    return guarded(pool.query("SELECT channel, max(rev) FROM mws_events GROUP BY channel").execute().map(rows -> {
      var result = new HashMap<String, Long>();
      for (Row row : rows) result.put(row.getString(0), row.getLong(1));
      return result;
    }));
  }

  @Override
  public Future<List<StoredEvent>> events(String channel) {
    return guarded(pool.preparedQuery("SELECT rev, epoch, body::text FROM mws_events WHERE channel = $1 ORDER BY rev")
        .execute(Tuple.of(channel)).map(rows -> {
          var result = new ArrayList<StoredEvent>();
          for (Row row : rows)
            result.add(new StoredEvent(channel, row.getString(1), row.getLong(0), new JsonObject(row.getString(2))));
          return result;
        }));
  }

  @Override
  public Future<Void> dropChannel(String channel) {
    return guarded(pool.withTransaction((SqlConnection connection) -> connection
        .preparedQuery("DELETE FROM mws_events WHERE channel = $1").execute(Tuple.of(channel))
        .compose(
            v -> connection.preparedQuery("DELETE FROM mws_ceilings WHERE channel = $1").execute(Tuple.of(channel))))
        .mapEmpty());
  }

  /** A failure of PostgreSQL (unreachable, refused, a failed statement) as {@link StoreUnavailable}. */
  private static <T> Future<T> guarded(Future<T> future) {
    return future.recover(failure -> Future.failedFuture(new StoreUnavailable(failure)));
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
