package io.mws.gateway;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;
import java.util.List;

/**
 * The channels of one event loop written to during the current turn, flushed together by one task the
 * loop runs after the writes already queued: a socket that receives several frames in a turn makes one
 * flush (one write system call), not one per frame. Each event loop has its own; touched on that loop only.
 */
final class TurnFlush implements Runnable {
  private static final FastThreadLocal<TurnFlush> OF_LOOP = new FastThreadLocal<>();

  private final EventLoop loop;
  private List<WebSocketChannel> pending = new ArrayList<>();
  private List<WebSocketChannel> spare = new ArrayList<>();

  private TurnFlush(EventLoop loop) {
    this.loop = loop;
  }

  /** The flush of the loop the caller runs on. */
  static TurnFlush of(EventLoop loop) {
    var flush = OF_LOOP.get();
    if (flush == null) {
      flush = new TurnFlush(loop);
      OF_LOOP.set(flush);
    }
    return flush;
  }

  /** Flushes the channel by the end of this turn; the channel asks once per turn (it keeps its own flag). */
  void add(WebSocketChannel channel) {
    if (pending.isEmpty()) loop.execute(this);
    pending.add(channel);
  }

  @Override
  public void run() {
    var flushing = pending;
    pending = spare; // a flush may complete writes whose listeners write again: they go to the next turn
    for (var channel : flushing) channel.flush();
    flushing.clear();
    spare = flushing;
  }
}
