package io.mws.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStoreTest extends StateStoreContract {
  @TempDir Path dir;

  @Override
  protected StateStore open() throws IOException {
    return FileStateStore.open(vertx, dir.resolve("data"));
  }

  @Test
  void aSecondStoreOnTheSameDirectoryIsRefused() {
    assertThatThrownBy(() -> FileStateStore.open(vertx, dir.resolve("data")))
        .hasMessageContaining("in use by another MWS node");
  }

  /** store.dataDir comes from the node's config (conf/mws.yaml's default, "data"); none in Java. */
  @Test
  void theDataDirIsTheConfiguredOneAndAMissingOneFailsNamingTheKey() throws Exception {
    var configured = dir.resolve("configured");
    var opened = await(StateStores.open(vertx, new JsonObject().put("dataDir", configured.toString())));
    try {
      assertThat(opened.describe()).contains(configured.toString());
    } finally {
      await(opened.close());
    }
    var failure = StateStores.open(vertx, new JsonObject()).toCompletionStage().toCompletableFuture()
        .handle((s, e) -> e).get(30, TimeUnit.SECONDS);
    assertThat(failure).hasMessage("store.dataDir must be a directory's path, not null");
    failure = StateStores.open(vertx, new JsonObject().put("dataDir", " ")).toCompletionStage().toCompletableFuture()
        .handle((s, e) -> e).get(30, TimeUnit.SECONDS);
    assertThat(failure).hasMessage("store.dataDir must be a directory's path, not \" \"");
  }

  /** kill -9 while a line was being written: the torn line was never acknowledged, everything before it stays. */
  @Test
  void aTornLastLineIsIgnored() throws Exception {
    await(store.put("vhost", "moon", new JsonObject().put("name", "moon")));
    await(store.put("vhost", "sun", new JsonObject().put("name", "sun")));
    // What a crash leaves: the writes are in the log, not yet in a snapshot, and half a line follows.
    var crashed = store;
    store = null;
    Files.writeString(dir.resolve("data/log.jsonl"), "{\"op\":\"put\",\"kind\":\"vho", StandardOpenOption.APPEND);
    var copy = dir.resolve("copy");
    Files.createDirectories(copy);
    for (var name : new String[] {"snapshot.json", "log.jsonl"})
      Files.copy(dir.resolve("data").resolve(name), copy.resolve(name));
    await(crashed.close());
    store = FileStateStore.open(vertx, copy);
    assertThat(await(store.records("vhost")).keySet()).containsExactlyInAnyOrder("moon", "sun");
  }

  /**
   * Write-behind history costs no fsync (nobody waits for it): it is handed to the OS, so a crash of
   * the process keeps it (a copy of the files taken before close, as kill -9 leaves them), and the next
   * forced change (here a ceiling) forces it to disk with itself.
   */
  @Test
  void writeBehindHistoryIsWrittenButNotForcedUntilAForcedChange() throws Exception {
    var fileStore = (FileStateStore) store;
    await(store.put("vhost", "moon", new JsonObject().put("name", "moon")));
    long forced = fileStore.forces();
    for (int i = 1; i <= 50; i++) await(store.appendBehind(List.of(event("moon/b", i)), 100));
    assertThat(fileStore.forces()).as("fsyncs for 50 write-behind commits").isEqualTo(forced);
    var copy = dir.resolve("crashed");
    Files.createDirectories(copy);
    for (var name : new String[] {"snapshot.json", "log.jsonl"})
      Files.copy(dir.resolve("data").resolve(name), copy.resolve(name));
    await(store.raiseCeiling("moon/b", 1000));
    assertThat(fileStore.forces()).as("a ceiling is forced").isEqualTo(forced + 1);
    await(store.append(List.of(event("moon/d", 1)), 100));
    assertThat(fileStore.forces()).as("a durable append is forced").isEqualTo(forced + 2);
    var crashed = FileStateStore.open(vertx, copy);
    try {
      assertThat(await(crashed.events("moon/b"))).hasSize(50);
    } finally {
      await(crashed.close());
    }
  }
}
