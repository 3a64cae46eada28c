package io.mws.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/** Opens the store the {@code store} config section names: PostgreSQL when {@code url} is set, else the embedded one in {@code dataDir}. */
public final class StateStores {
  /** PostgreSQL connections per node: writes are group commits, so a few carry the load. */
  static final int POOL_SIZE = 4;

  private StateStores() {}

  public static Future<StateStore> open(Vertx vertx, JsonObject config) {
    var url = config.getString("url");
    if (url != null && !url.isBlank()) {
      return PgStateStore.open(vertx, url.strip(), POOL_SIZE).map(s -> s);
    }
    // No default here: store.dataDir has it in conf/mws.yaml, which the node's config is read over.
    var dataDir = config.getValue("dataDir");
    if (!(dataDir instanceof String name) || name.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException("store.dataDir must be a directory's path, not "
          + (dataDir instanceof String ? "\"" + dataDir + "\"" : String.valueOf(dataDir))));
    }
    var dir = Path.of(name);
    return vertx.executeBlocking(() -> FileStateStore.open(vertx, dir), false);
  }
}
