package io.mws.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store of record: files in one data directory, for a standalone node.
 *
 * <ul>
 *   <li>{@code snapshot.json}: the whole state, written to a temporary file, fsync'd, then renamed
 *       over the old one (atomic), at open and whenever the log outgrows {@link #COMPACT_BYTES};</li>
 *   <li>{@code log.jsonl}: one JSON line per change since the snapshot, appended and fsync'd before a
 *       change is acknowledged. Changes queue for one writer thread, which writes everything queued
 *       and then fsyncs once (group commit: one fsync for many concurrent changes);</li>
 *   <li>{@code lock}: held (an OS file lock) while a node uses the directory; a second node or process
 *       pointed at the same directory refuses to start.</li>
 * </ul>
 * A crash can tear only the last line of the log (nothing after it was acknowledged); replay stops there.
 * The state is also kept in memory (it is what the node loads at start: the control plane and at most
 * {@code keep} events per channel).
 */
public final class FileStateStore implements StateStore {
  private static final Logger LOG = LoggerFactory.getLogger(FileStateStore.class);
  static final long COMPACT_BYTES = 64L << 20;

  private final Vertx vertx;
  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final State state = new State();
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final Thread writer;
  private FileChannel log;
  private OutputStream logOut;
  private volatile boolean closed;
  private final java.util.concurrent.atomic.AtomicLong forces = new java.util.concurrent.atomic.AtomicLong();

  /** The in-memory image of the data: what the snapshot holds, plus the log replayed. */
  private static final class State {
    final Map<String, Map<String, JsonObject>> records = new HashMap<>();
    final Map<String, Long> ceilings = new HashMap<>();
    final Map<String, TreeMap<Long, StoredEvent>> events = new HashMap<>();
  }

  /**
   * A queued change or read: applied on the writer thread; {@code line} (may be null) goes to the log,
   * forced to disk before the change completes unless it is {@code behind} (write-behind history).
   */
  private record Op<T>(Function<State, T> apply, Function<T, JsonObject> line, boolean behind, Promise<T> promise,
      Context context) {}

  private FileStateStore(Vertx vertx, Path dir) throws IOException {
    this.vertx = vertx;
    this.dir = dir;
    Files.createDirectories(dir);
    lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      held = null;
    }
    if (held == null) {
      lockChannel.close();
      throw new IOException("the data directory " + dir.toAbsolutePath() + " is in use by another MWS node");
    }
    lock = held;
    writer = new Thread(this::writeLoop, "mws-store-writer");
    writer.setDaemon(true);
  }

  /** Opens (creating it on first start) the directory, loads it and compacts it. Blocking: call it off the event loop. */
  public static FileStateStore open(Vertx vertx, Path dir) throws IOException {
    var store = new FileStateStore(vertx, dir);
    try {
      store.load();
      store.compact();
    } catch (IOException | RuntimeException e) {
      store.release();
      throw e;
    }
    store.writer.start();
    return store;
  }

  @Override
  public Future<Map<String, JsonObject>> records(String kind) {
    return submit(s -> Map.copyOf(s.records.getOrDefault(kind, Map.of())), null);
  }

  @Override
  public Future<Void> put(String kind, String key, JsonObject value) {
    var copy = value.copy();
    return submit(s -> {
      s.records.computeIfAbsent(kind, k -> new HashMap<>()).put(key, copy);
      return null;
    }, v -> new JsonObject().put("op", "put").put("kind", kind).put("key", key).put("value", copy));
  }

  @Override
  public Future<Void> remove(String kind, String key) {
    return submit(s -> {
      var ofKind = s.records.get(kind);
      if (ofKind != null) ofKind.remove(key);
      return null;
    }, v -> new JsonObject().put("op", "remove").put("kind", kind).put("key", key));
  }

  @Override
  public Future<Map<String, Long>> ceilings() {
    return submit(s -> Map.copyOf(s.ceilings), null);
  }

  @Override
  public Future<Void> raiseCeiling(String channel, long rev) {
    return submit(s -> s.ceilings.merge(channel, rev, Math::max), value -> ceilingLine(channel, value)).mapEmpty();
  }

  @Override
  public Future<Boolean> replaceCeiling(String channel, long expected, long rev) {
    return submit(s -> {
      if (s.ceilings.getOrDefault(channel, 0L) != expected) return false;
      s.ceilings.put(channel, rev);
      return true;
    }, set -> set ? ceilingLine(channel, rev) : null);
  }

  private static JsonObject ceilingLine(String channel, long rev) {
    return new JsonObject().put("op", "ceiling").put("channel", channel).put("rev", rev);
  }

  @Override
  public Future<Void> append(List<StoredEvent> events, int keep) {
    return append(events, keep, false);
  }

  /** Written to the log (so a crash of the process keeps it) but not forced: the next forced change covers it. */
  @Override
  public Future<Void> appendBehind(List<StoredEvent> events, int keep) {
    return append(events, keep, true);
  }

  private Future<Void> append(List<StoredEvent> events, int keep, boolean behind) {
    var list = List.copyOf(events);
    return submit(s -> {
      list.forEach(e -> addEvent(s, e, keep));
      return null;
    }, v -> new JsonObject().put("op", "events").put("keep", keep)
        .put("events", new JsonArray(list.stream().map(FileStateStore::toJson).toList())), behind);
  }

  /** How many times the log was forced to disk (fsync) since the store opened. */
  long forces() {
    return forces.get();
  }

  @Override
  public Future<Map<String, Long>> newestRevs() {
    return submit(s -> {
      var newest = new HashMap<String, Long>();
      s.events.forEach((channel, events) -> {
        if (!events.isEmpty()) newest.put(channel, events.lastKey());
      });
      return newest;
    }, null);
  }

  @Override
  public Future<List<StoredEvent>> events(String channel) {
    return submit(s -> List.copyOf(s.events.getOrDefault(channel, new TreeMap<>()).values()), null);
  }

  @Override
  public Future<Void> dropChannel(String channel) {
    return submit(s -> {
      s.events.remove(channel);
      s.ceilings.remove(channel);
      return null;
    }, v -> new JsonObject().put("op", "drop").put("channel", channel));
  }

  @Override
  public String describe() {
    return "embedded store in " + dir.toAbsolutePath();
  }

  /** Writes what is queued, forces it to disk (write-behind history too), then stops the writer and releases the directory. */
  @Override
  public Future<Void> close() {
    if (closed) return Future.succeededFuture();
    var done = submit(s -> null, null);
    return done.compose(v -> vertx.executeBlocking(() -> {
      closed = true;
      writer.interrupt();
      writer.join(5000);
      try {
        log.force(false);
      } catch (IOException e) {
        LOG.warn("Forcing the store's log in {} to disk at close: {}", dir, e.toString());
      }
      release();
      return null;
    }, false));
  }

  private <T> Future<T> submit(Function<State, T> apply, Function<T, JsonObject> line) {
    return submit(apply, line, false);
  }

  private <T> Future<T> submit(Function<State, T> apply, Function<T, JsonObject> line, boolean behind) {
    if (closed) return Future.failedFuture(new StoreUnavailable(new IllegalStateException("the store is closed")));
    Promise<T> promise = Promise.promise();
    queue.add(new Op<>(apply, line, behind, promise, vertx.getOrCreateContext()));
    return promise.future();
  }

  /**
   * The writer thread: everything queued is applied and logged, then one fsync (none when only
   * write-behind history was logged: handed to the OS, it waits for the next forced change), then the
   * callers hear.
   */
  private void writeLoop() {
    var batch = new ArrayList<Op<?>>();
    while (!closed) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch);
      var results = new ArrayList<>();
      Throwable failure = null;
      try {
        boolean wrote = false;
        boolean force = false;
        for (var op : batch) {
          var result = applyAndLog(op);
          results.add(result);
          wrote |= result instanceof Logged;
          force |= result instanceof Logged && !op.behind();
        }
        if (wrote) logOut.flush();
        if (force) {
          log.force(false);
          forces.incrementAndGet();
        }
        if (log.size() > COMPACT_BYTES) compact();
      } catch (IOException | RuntimeException e) {
        LOG.error("The store could not write to {}: {}", dir, e.toString());
        failure = new StoreUnavailable(e);
      }
      for (int i = 0; i < batch.size(); i++)
        complete(batch.get(i), failure, i < results.size() ? results.get(i) : null);
      batch.clear();
    }
  }

  /** A result whose change went to the log (and so needs the fsync). */
  private record Logged(Object value) {}

  private <T> Object applyAndLog(Op<T> op) throws IOException {
    var result = op.apply().apply(state);
    var line = op.line() == null ? null : op.line().apply(result);
    if (line == null) return result;
    logOut.write(line.encode().getBytes(StandardCharsets.UTF_8));
    logOut.write('\n');
    return new Logged(result);
  }

  @SuppressWarnings("unchecked")
  private static <T> void complete(Op<T> op, Throwable failure, Object result) {
    var value = result instanceof Logged logged ? logged.value() : result;
    op.context().runOnContext(v -> {
      if (failure != null) op.promise().fail(failure);
      else op.promise().complete((T) value);
    });
  }

  private void load() throws IOException {
    var snapshot = dir.resolve("snapshot.json");
    if (Files.exists(snapshot)) readSnapshot(new JsonObject(Files.readString(snapshot)));
    var logFile = dir.resolve("log.jsonl");
    if (!Files.exists(logFile)) return;
    int replayed = 0;
    try (BufferedReader reader = Files.newBufferedReader(logFile)) {
      for (String text; (text = reader.readLine()) != null; replayed++) {
        JsonObject line;
        try {
          line = new JsonObject(text);
        } catch (RuntimeException e) {
          // Only the last line can be torn (a crash while it was written): it was never acknowledged.
          LOG.warn("The store's log ends in a torn line after {} lines; ignored", replayed);
          break;
        }
        replay(line);
      }
    }
  }

  private void replay(JsonObject line) {
    switch (line.getString("op")) {
      case "put" -> state.records.computeIfAbsent(line.getString("kind"), k -> new HashMap<>())
          .put(line.getString("key"), line.getJsonObject("value"));
      case "remove" -> {
        var ofKind = state.records.get(line.getString("kind"));
        if (ofKind != null) ofKind.remove(line.getString("key"));
      }
      case "ceiling" -> state.ceilings.put(line.getString("channel"), line.getLong("rev"));
      case "events" -> {
        int keep = line.getInteger("keep");
        line.getJsonArray("events").forEach(e -> addEvent(state, fromJson((JsonObject) e), keep));
      }
      case "drop" -> {
        state.events.remove(line.getString("channel"));
        state.ceilings.remove(line.getString("channel"));
      }
      default -> throw new IllegalStateException("unknown store log entry " + line.getString("op"));
    }
  }

  private static void addEvent(State s, StoredEvent event, int keep) {
    var channel = s.events.computeIfAbsent(event.channel(), k -> new TreeMap<>());
    channel.putIfAbsent(event.rev(), event);
    while (channel.size() > keep) channel.pollFirstEntry();
  }

  private void readSnapshot(JsonObject snapshot) {
    var records = snapshot.getJsonObject("records", new JsonObject());
    for (var kind : records.fieldNames()) {
      var ofKind = new HashMap<String, JsonObject>();
      records.getJsonObject(kind).forEach(e -> ofKind.put(e.getKey(), (JsonObject) e.getValue()));
      state.records.put(kind, ofKind);
    }
    snapshot.getJsonObject("ceilings", new JsonObject())
        .forEach(e -> state.ceilings.put(e.getKey(), ((Number) e.getValue()).longValue()));
    snapshot.getJsonArray("events", new JsonArray())
        .forEach(e -> addEvent(state, fromJson((JsonObject) e), Integer.MAX_VALUE));
  }

  /** The state into a new snapshot (temporary file, fsync, atomic rename, directory fsync), then an empty log. */
  private void compact() throws IOException {
    var records = new JsonObject();
    state.records.forEach((kind, ofKind) -> {
      var json = new JsonObject();
      ofKind.forEach(json::put);
      records.put(kind, json);
    });
    var ceilings = new JsonObject();
    state.ceilings.forEach(ceilings::put);
    var events = new JsonArray();
    state.events.values().forEach(channel -> channel.values().forEach(e -> events.add(toJson(e))));
    var snapshot = new JsonObject().put("version", 1).put("records", records).put("ceilings", ceilings).put("events",
        events);
    var temporary = dir.resolve("snapshot.json.tmp");
    try (var out = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      out.write(java.nio.ByteBuffer.wrap(snapshot.encode().getBytes(StandardCharsets.UTF_8)));
      out.force(true);
    }
    Files.move(temporary, dir.resolve("snapshot.json"), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    syncDirectory();
    if (log != null) log.close();
    log = FileChannel.open(dir.resolve("log.jsonl"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING);
    log.force(true);
    syncDirectory();
    logOut = new java.io.BufferedOutputStream(Channels.newOutputStream(log), 1 << 16);
  }

  private void syncDirectory() throws IOException {
    try (var directory = FileChannel.open(dir, StandardOpenOption.READ)) {
      directory.force(true);
    }
  }

  private void release() {
    try {
      if (log != null) log.close();
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("Closing the store in {}: {}", dir, e.toString());
    }
  }

  private static JsonObject toJson(StoredEvent e) {
    return new JsonObject().put("channel", e.channel()).put("epoch", e.epoch()).put("rev", e.rev()).put("body",
        e.body());
  }

  private static StoredEvent fromJson(JsonObject json) {
    return new StoredEvent(json.getString("channel"), json.getString("epoch"), json.getLong("rev"),
        json.getJsonObject("body"));
  }
}
