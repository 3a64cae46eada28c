package io.mws.gateway;

import io.micrometer.core.instrument.Counter;
import io.mws.protocol.CloseCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes text frames to one socket, keeping count of the bytes handed to the socket that it has
 * not yet passed to the operating system. A client that does not read lets that count grow; past the
 * bound it is closed with 1008 (policy violation) and every later write is dropped, so a slow client
 * costs at most the bound plus one frame, never unbounded memory. It resumes with its last rev.
 * Every frame goes through one {@link WebSocketChannel}, so replies and changes keep their order, and a
 * change frame's bytes (encoded once per event, see {@link ChangeFrame}) are written as they are.
 * Thread-safe: replies are written from the socket's context, changes from the gateway's.
 */
final class BoundedWriter {
  private static final Logger LOG = LoggerFactory.getLogger(BoundedWriter.class);
  static final short TOO_SLOW = CloseCode.POLICY_VIOLATION.code();
  /** The head of a frame that is all in its shared bytes. */
  static final byte[] NO_HEAD = new byte[0];

  private final ServerWebSocket socket;
  private final WebSocketChannel channel;
  private final long bound;
  private final Counter slowCloses;
  /** The connection's id, for the log. */
  private final String connection;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean closing = new AtomicBoolean();

  /** @param slowCloses counts the closes with {@link #TOO_SLOW} */
  BoundedWriter(ServerWebSocket socket, String connection, long bound, Counter slowCloses) {
    this.socket = socket;
    this.channel = new WebSocketChannel(socket);
    this.connection = connection;
    this.bound = bound;
    this.slowCloses = slowCloses;
  }

  /** A reply or a protocol message; completes once it has reached the operating system (or was dropped). */
  Future<Void> write(String text) {
    Promise<Void> written = Promise.promise();
    send(NO_HEAD, Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8)), written::tryComplete);
    return written.future();
  }

  /**
   * A frame of a {@code head} and then {@code shared} UTF-8 bytes, which other frames may carry too: only read
   * (see {@link WebSocketChannel#write}). Nobody waits for it: a change.
   */
  void send(byte[] head, ByteBuf shared) {
    send(head, shared, null);
  }

  private void send(byte[] head, ByteBuf shared, Handler<Void> done) {
    if (closing.get() || socket.isClosed()) {
      if (done != null) done.handle(null);
      return;
    }
    long size = head.length + shared.readableBytes();
    if (queued.addAndGet(size) > bound) {
      queued.addAndGet(-size);
      close(TOO_SLOW, "client too slow: write queue over " + bound + " bytes");
      if (done != null) done.handle(null);
      return;
    }
    channel.write(head, shared, future -> {
      queued.addAndGet(-size);
      if (done != null) done.handle(null);
    });
  }

  /** Closes once with this code; later writes are dropped. Completes when the close handshake is done. */
  Future<Void> close(short code, String reason) {
    if (closing.compareAndSet(false, true) && !socket.isClosed()) {
      if (code == TOO_SLOW) {
        slowCloses.increment();
        LOG.warn("Closed connection {} with 1008: {}", connection, reason); // a client's pace, not a fault: no stack trace
      }
      return socket.close(code, reason);
    }
    return Future.succeededFuture();
  }

  long queued() { return queued.get(); }

  boolean isClosing() { return closing.get() || socket.isClosed(); }
}
