package io.mws.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    assertThatThrownBy(() -> FileStateStore.open(vertx, dir.resolve("data"))).hasMessageContaining("in use by another MWS node");
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
    for (var name : new String[] {"snapshot.json", "log.jsonl"}) Files.copy(dir.resolve("data").resolve(name), copy.resolve(name));
    await(crashed.close());
    store = FileStateStore.open(vertx, copy);
    assertThat(await(store.records("vhost")).keySet()).containsExactlyInAnyOrder("moon", "sun");
  }
}
