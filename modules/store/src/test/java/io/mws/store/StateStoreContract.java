package io.mws.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.mws.store.StateStore.StoredEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StateStore} promises, run against each implementation by a subclass: what a
 * succeeded future wrote is there after the store is closed and opened again.
 */
abstract class StateStoreContract {
  protected Vertx vertx;
  protected StateStore store;

  /** A store on the same data every time it is called within one test (a fresh one per test). */
  protected abstract StateStore open() throws Exception;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    store = open();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (store != null) await(store.close());
    await(vertx.close());
  }

  /** Closes the store and opens it again on the same data: only what was made durable remains. */
  protected StateStore reopen() throws Exception {
    await(store.close());
    store = open();
    return store;
  }

  @Test
  void recordsSurviveReopeningAndRemovalsToo() throws Exception {
    await(store.put("vhost", "moon",
        new JsonObject().put("name", "moon").put("settings", new JsonObject().put("historySize", 5))));
    await(store.put("vhost", "sun", new JsonObject().put("name", "sun")));
    await(store.put("vhost", "sun", new JsonObject().put("name", "sun").put("v", 2)));
    await(store.put("user", "carol", new JsonObject().put("hash", "x")));
    await(store.put("vhost", "gone", new JsonObject()));
    await(store.remove("vhost", "gone"));
    reopen();
    var vhosts = await(store.records("vhost"));
    assertThat(vhosts.keySet()).containsExactlyInAnyOrder("moon", "sun");
    assertThat(vhosts.get("moon").getJsonObject("settings").getInteger("historySize")).isEqualTo(5);
    assertThat(vhosts.get("sun").getInteger("v")).isEqualTo(2);
    assertThat(await(store.records("user")).keySet()).containsExactly("carol");
    assertThat(await(store.records("nothing"))).isEmpty();
  }

  @Test
  void aCeilingIsOnlyRaisedAndReplacedOnlyWhenUnchanged() throws Exception {
    await(store.raiseCeiling("moon/a", 1000));
    await(store.raiseCeiling("moon/a", 400)); // a late, smaller reservation never lowers it
    assertThat(await(store.ceilings())).containsEntry("moon/a", 1000L);
    assertThat(await(store.replaceCeiling("moon/a", 999, 10))).as("a stale expectation").isFalse();
    assertThat(await(store.replaceCeiling("moon/a", 1000, 10))).isTrue();
    assertThat(await(store.replaceCeiling("moon/new", 0, 7))).as("absent reads as 0").isTrue();
    assertThat(await(store.replaceCeiling("moon/new", 0, 9))).isFalse();
    reopen();
    assertThat(await(store.ceilings())).containsEntry("moon/a", 10L).containsEntry("moon/new", 7L);
  }

  @Test
  void eventsAreKeptNewestFirstUpToKeepIdempotentlyAndDroppedWithTheirChannel() throws Exception {
    var batch = new ArrayList<StoredEvent>();
    for (long rev = 1; rev <= 8; rev++) batch.add(event("moon/a", rev));
    batch.add(event("moon/b", 1));
    await(store.append(batch, 5));
    await(store.append(List.of(new StoredEvent("moon/a", "e1", 8, new JsonObject().put("data", "other"))), 5));
    await(store.raiseCeiling("moon/b", 100));
    reopen();
    var a = await(store.events("moon/a"));
    assertThat(a).extracting(StoredEvent::rev).containsExactly(4L, 5L, 6L, 7L, 8L);
    assertThat(a.get(4).body().getLong("data")).as("a stored event is not replaced").isEqualTo(8L);
    assertThat(a.get(0).epoch()).isEqualTo("e1");
    assertThat(await(store.newestRevs())).containsEntry("moon/a", 8L).containsEntry("moon/b", 1L).hasSize(2);
    await(store.dropChannel("moon/b"));
    reopen();
    assertThat(await(store.events("moon/b"))).isEmpty();
    assertThat(await(store.ceilings())).doesNotContainKey("moon/b");
    assertThat(await(store.events("moon/a"))).hasSize(5);
  }

  /** An event's body comes back as written, with the fields a keyed event adds (its idempotency key and fingerprint). */
  @Test
  void anEventsBodyIsKeptWhole() throws Exception {
    var body = new JsonObject().put("event", "e").put("data", new JsonObject().put("x", 1)).put("uid", "u")
        .put("ts", 5L)
        .put("idem", "0123456789abcdef0123456789abcdef").put("fp", "fedcba9876543210fedcba9876543210");
    await(store.append(List.of(new StoredEvent("moon/k", "e1", 1, body)), 10));
    reopen();
    assertThat(await(store.events("moon/k")).get(0).body()).isEqualTo(body);
  }

  /** Many writers at once: every acknowledged write is there afterwards (group commit loses none). */
  @Test
  void concurrentWritesAreAllKept() throws Exception {
    var writes = new ArrayList<Future<Void>>();
    for (int i = 0; i < 200; i++) {
      writes.add(store.put("user", "u" + i, new JsonObject().put("i", i)));
      writes.add(store.append(List.of(event("moon/c", i + 1)), 1000));
    }
    await(Future.all(writes));
    reopen();
    assertThat(await(store.records("user"))).hasSize(200);
    assertThat(await(store.events("moon/c"))).hasSize(200);
  }

  /** Write-behind history (appendBehind) is kept as appended events are, interleaved with forced changes. */
  @Test
  void writeBehindEventsAreKeptAsAppendedOnes() throws Exception {
    var writes = new ArrayList<Future<Void>>();
    for (int i = 0; i < 100; i++) {
      writes.add(store.appendBehind(List.of(event("moon/w", i + 1)), 60));
      if (i % 10 == 0) writes.add(store.raiseCeiling("moon/w", i + 1000));
    }
    await(Future.all(writes));
    reopen();
    assertThat(await(store.events("moon/w"))).extracting(StoredEvent::rev).hasSize(60).startsWith(41L).endsWith(100L);
    assertThat(await(store.ceilings())).containsEntry("moon/w", 1090L);
  }

  static StoredEvent event(String channel, long rev) {
    return new StoredEvent(channel, "e1", rev, new JsonObject().put("event", "e").put("data", rev).put("ts", 1L));
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
