package io.mws.gateway;

import io.micrometer.core.instrument.Counter;
import io.mws.protocol.CloseCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ServerWebSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes text frames to one socket, keeping the bytes handed to the socket that the operating system has not
 * taken yet under a bound, as the socket's own outbound buffer counts them (each frame's bytes and Netty's
 * bookkeeping of it, {@link WebSocketChannel#pendingBytes}): nothing to count per frame here, and no listener per
 * frame. A client that does not read lets that count grow; a frame that would take it past the bound closes the
 * connection with 1008 (policy violation) instead, and every later write is dropped, so a slow client costs at most
 * the bound, never unbounded memory. It resumes with its last rev.
 * Every frame goes through one {@link WebSocketChannel}, so replies and changes keep their order, and a
 * change frame's bytes (encoded once per event, see {@link ChangeFrame}) are written as they are.
 * Thread-safe: replies are written from the socket's context, changes from its loop.
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
    var bytes = Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.UTF_8));
    if (admit(NO_HEAD, bytes, written)) channel.write(NO_HEAD, bytes, future -> written.tryComplete());
    return written.future();
  }

  /**
   * A frame of a {@code head} and then {@code shared} UTF-8 bytes, which other frames may carry too: only read
   * (see {@link WebSocketChannel#write}). Nobody waits for it: a change.
   */
  void send(byte[] head, ByteBuf shared) {
    if (admit(head, shared, null)) channel.write(head, shared, null);
  }

  /** Whether the frame may be written: the socket is open and it keeps the queue within the bound (else: 1008). */
  private boolean admit(byte[] head, ByteBuf shared, Promise<Void> dropped) {
    if (closing.get() || socket.isClosed()) {
      if (dropped != null) dropped.tryComplete();
      return false;
    }
    long size = WebSocketChannel.frameBytes(head.length + shared.readableBytes()) + WebSocketChannel.ENTRY_OVERHEAD;
    if (channel.pendingBytes() + size > bound) {
      close(TOO_SLOW, "client too slow: write queue over " + bound + " bytes");
      if (dropped != null) dropped.tryComplete();
      return false;
    }
    return true;
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

  long queued() { return channel.pendingBytes(); }

  boolean isClosing() { return closing.get() || socket.isClosed(); }
}
