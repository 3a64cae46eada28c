package io.mws.gateway;

import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The frame writes of one event loop's WebSockets. A change is written on the socket's own loop (its watch
 * registry lives there, {@link FeedShards}); the frames written from another thread (a reply completed
 * elsewhere) wait in one queue per loop, and one task writes them all. Every socket written to during a turn
 * is flushed once at its end (one write system call), not once per frame.
 */
final class LoopWriter {
  private static final Map<EventLoop, LoopWriter> OF_LOOP = new ConcurrentHashMap<>();

  private final EventLoop loop;
  private final Queue<Runnable> inbox = PlatformDependent.newMpscQueue();
  /** Writes offered and not yet taken by a drain: the one that makes it leave 0 schedules the drain. */
  private final AtomicInteger wip = new AtomicInteger();
  private final Runnable drain = this::drain;
  private final Runnable flush = this::flush;
  /** The channels to flush at the end of this turn; on the loop only. */
  private List<WebSocketChannel> unflushed = new ArrayList<>();
  private List<WebSocketChannel> spare = new ArrayList<>();
  private boolean draining;

  private LoopWriter(EventLoop loop) {
    this.loop = loop;
  }

  static LoopWriter of(EventLoop loop) {
    var writer = OF_LOOP.get(loop);
    if (writer != null) return writer;
    var created = new LoopWriter(loop);
    var raced = OF_LOOP.putIfAbsent(loop, created);
    if (raced != null) return raced;
    loop.terminationFuture().addListener(f -> OF_LOOP.remove(loop)); // a closed Vert.x (tests start many) leaves none behind
    return created;
  }

  /** Runs the write on the loop, after the writes offered before it; from any thread. */
  void offer(Runnable write) {
    inbox.offer(write);
    if (wip.getAndIncrement() == 0) {
      try {
        loop.execute(drain);
      } catch (RejectedExecutionException e) { // the loop is shutting down with the node: nothing will be written
        inbox.clear();
        wip.set(0);
      }
    }
  }

  /** The channel has a frame to flush by the end of this turn; on the loop, once per turn per channel. */
  void flushLater(WebSocketChannel channel) {
    if (unflushed.isEmpty() && !draining) loop.execute(flush);
    unflushed.add(channel);
  }

  private void drain() {
    draining = true;
    int missed = 1;
    do {
      Runnable write;
      while ((write = inbox.poll()) != null) write.run();
      missed = wip.addAndGet(-missed);
    } while (missed != 0);
    draining = false;
    flush();
  }

  private void flush() {
    if (unflushed.isEmpty()) return;
    var flushing = unflushed;
    unflushed = spare; // a flush may complete writes whose listeners write again: they go to the next turn
    for (var channel : flushing) channel.flush();
    flushing.clear();
    spare = flushing;
  }
}
