package io.mws.gateway;

import io.micrometer.core.instrument.Counter;
import io.mws.protocol.CloseCode;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes text frames to one socket, keeping count of the characters handed to the socket that it has
 * not yet passed to the operating system. A client that does not read lets that count grow; past the
 * bound it is closed with 1008 (policy violation) and every later write is dropped, so a slow client
 * costs at most the bound plus one frame, never unbounded memory. It resumes with its last rev.
 * Thread-safe: replies are written from the socket's context, changes from the gateway's.
 */
final class BoundedWriter {
  private static final Logger LOG = LoggerFactory.getLogger(BoundedWriter.class);
  static final short TOO_SLOW = CloseCode.POLICY_VIOLATION.code();

  private final ServerWebSocket socket;
  private final long bound;
  private final Counter slowCloses;
  /** The connection's id, for the log. */
  private final String connection;
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean closing = new AtomicBoolean();

  /** @param slowCloses counts the closes with {@link #TOO_SLOW} */
  BoundedWriter(ServerWebSocket socket, String connection, long bound, Counter slowCloses) {
    this.socket = socket;
    this.connection = connection;
    this.bound = bound;
    this.slowCloses = slowCloses;
  }

  Future<Void> write(String text) {
    if (closing.get() || socket.isClosed()) return Future.succeededFuture();
    long size = text.length();
    if (queued.addAndGet(size) > bound) {
      queued.addAndGet(-size);
      close(TOO_SLOW, "client too slow: write queue over " + bound + " bytes");
      return Future.succeededFuture();
    }
    return socket.writeTextMessage(text).andThen(ar -> queued.addAndGet(-size));
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
