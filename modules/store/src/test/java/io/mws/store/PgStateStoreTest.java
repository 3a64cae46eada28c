package io.mws.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.testsupport.ExternalToolTest;
import io.mws.testsupport.Prerequisites;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contract against a real PostgreSQL that scripts/postgres.sh starts (and installs when missing). */
@ExternalToolTest
class PgStateStoreTest extends StateStoreContract {
  static Path dir;
  static String url;
  static int database;

  @BeforeAll
  static void startPostgres() throws Exception {
    dir = Files.createTempDirectory("mws-pg-test");
    url = postgres("start", dir.toString()).strip();
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (dir != null) postgres("stop", dir.toString());
  }

  private String databaseUrl;

  /** Each test gets a database of its own, so the contract's tests start from nothing. */
  @Override
  protected StateStore open() throws Exception {
    if (databaseUrl == null) {
      var name = "t" + (++database);
      await(sql(url, "CREATE DATABASE " + name));
      databaseUrl = url.substring(0, url.lastIndexOf('/') + 1) + name;
    }
    return await(PgStateStore.open(vertx, databaseUrl, 2));
  }

  /** Nodes starting together each migrate: the advisory lock serializes them and the schema ends up applied once. */
  @Test
  void nodesStartingAtOnceMigrateTheSchemaOnce() throws Exception {
    var opening = new ArrayList<Future<PgStateStore>>();
    for (int i = 0; i < 6; i++) opening.add(PgStateStore.open(vertx, databaseUrl, 1));
    await(Future.all(opening));
    var versions = await(sql(databaseUrl, "SELECT count(*) FROM mws_schema_migrations")).iterator().next().getLong(0);
    assertThat(versions).isEqualTo(PgSchema.MIGRATIONS.size());
    for (var store : opening) await(store.result().close());
  }

  /** One statement on a connection of its own. */
  private Future<io.vertx.sqlclient.RowSet<io.vertx.sqlclient.Row>> sql(String target, String statement) {
    var client = io.vertx.pgclient.PgBuilder.client().connectingTo(io.vertx.pgclient.PgConnectOptions.fromUri(target))
        .using(vertx).build();
    return client.query(statement).execute().eventually(client::close);
  }

  static String postgres(String... args) throws Exception {
    Prerequisites.require("bash", "apt-get install bash");
    Prerequisites.requireOrRoot(Path.of("/usr/lib/postgresql"), "scripts/postgres.sh",
        "apt-get install postgresql once as root, or run this test as root");
    var script = Path.of(System.getProperty("mws.root", "../..")).resolve("scripts/postgres.sh");
    var command = new ArrayList<String>();
    command.add("bash");
    command.add(script.toString());
    command.addAll(java.util.List.of(args));
    var process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    var out = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(180, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("postgres.sh " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }
}
