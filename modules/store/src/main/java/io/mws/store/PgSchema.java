package io.mws.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * The PostgreSQL schema, as numbered migrations recorded in {@code mws_schema_migrations}. Every node
 * runs {@link #migrate} at start under a session advisory lock, so when several nodes start at once
 * one applies what is missing and the others then find it applied. A migration is never edited once
 * released: a change is a new entry at the end of {@link #MIGRATIONS}.
 */
final class PgSchema {
  /** pg_advisory_lock key: "MWS1" as a number, any constant other applications are unlikely to use. */
  static final long LOCK_KEY = 0x4D575331L;

  static final List<String> MIGRATIONS = List.of(
      // 1: records (vhosts, channels, token digests, users, secrets), rev ceilings, channel history.
      """
      CREATE TABLE mws_records (
        kind text NOT NULL, key text NOT NULL, value jsonb NOT NULL,
        updated timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kind, key));
      CREATE TABLE mws_ceilings (channel text PRIMARY KEY, rev bigint NOT NULL);
      CREATE TABLE mws_events (
        channel text NOT NULL, rev bigint NOT NULL, epoch text NOT NULL, body jsonb NOT NULL,
        PRIMARY KEY (channel, rev));
      """);

  private PgSchema() {}

  /** Applies the missing migrations; the schema version after it. */
  static Future<Integer> migrate(SqlConnection connection) {
    return connection.preparedQuery("SELECT pg_advisory_lock($1)").execute(Tuple.of(LOCK_KEY))
        .compose(locked -> connection.query("CREATE TABLE IF NOT EXISTS mws_schema_migrations ("
            + "version int PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())").execute())
        .compose(v -> connection.query("SELECT coalesce(max(version), 0) FROM mws_schema_migrations").execute())
        .compose(rows -> apply(connection, rows.iterator().next().getInteger(0)))
        .eventually(() -> connection.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(LOCK_KEY)));
  }

  private static Future<Integer> apply(SqlConnection connection, int current) {
    if (current > MIGRATIONS.size()) {
      return Future.failedFuture(new IllegalStateException("the database's schema version " + current
          + " is newer than this node knows (" + MIGRATIONS.size() + "): upgrade the node"));
    }
    if (current == MIGRATIONS.size()) return Future.succeededFuture(current);
    int next = current + 1;
    return connection.begin().compose(tx -> connection.query(MIGRATIONS.get(current)).execute()
        .compose(v -> connection.preparedQuery("INSERT INTO mws_schema_migrations (version) VALUES ($1)")
            .execute(Tuple.of(next)))
        .compose(v -> tx.commit())
        .recover(failure -> tx.rollback().transform(r -> Future.failedFuture(failure))))
        .compose(v -> apply(connection, next));
  }
}
