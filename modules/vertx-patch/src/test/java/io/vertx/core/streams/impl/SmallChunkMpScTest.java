package io.vertx.core.streams.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The patched multi-producer queue under attack: producers on several threads add far more than a chunk's 16
 * messages (thousands of chunk boundaries) while one consumer drains, as a connection's event loop drains the
 * writes other threads queue. Every message must come out once, each producer's in the order it added them.
 */
class SmallChunkMpScTest {
  static final int PRODUCERS = 4;
  static final int EACH = 20_000;

  @Test
  void everyMessageOnceInEachProducersOrderAcrossChunks() throws Exception {
    List<long[]> received = new ArrayList<>(); // consumer thread only
    var queue = new MessagePassingQueue.MpSc<long[]>(message -> received.add(message));
    assertThat(MessagePassingQueue.MpSc.CHUNK_SIZE).isEqualTo(16);
    ExecutorService consumer = Executors.newSingleThreadExecutor();
    var producers = Executors.newFixedThreadPool(PRODUCERS);
    var held = new CountDownLatch(1); // the consumer starts late: the queue first fills far past one chunk
    consumer.execute(() -> await(held));
    var done = new CountDownLatch(PRODUCERS);
    for (int p = 0; p < PRODUCERS; p++) {
      long producer = p;
      producers.execute(() -> {
        for (long i = 0; i < EACH; i++) {
          // As OutboundMessageQueue does: the producer that takes ownership has the consumer drain.
          if ((queue.add(new long[] {producer, i}) & MessagePassingQueue.DRAIN_REQUIRED_MASK) != 0) {
            consumer.execute(() -> drain(queue));
          }
          if (i == EACH / 2) done.countDown(); // half of each producer's messages are in before the drain starts
        }
      });
    }
    assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    held.countDown();
    producers.shutdown();
    assertThat(producers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    var drained = new CountDownLatch(1);
    consumer.execute(() -> {
      drain(queue);
      drained.countDown();
    });
    assertThat(drained.await(30, TimeUnit.SECONDS)).isTrue();
    consumer.shutdown();
    assertThat(consumer.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    assertThat(received).hasSize(PRODUCERS * EACH);
    var next = new long[PRODUCERS];
    for (var message : received) {
      assertThat(message[1]).as("producer %d's next message", message[0]).isEqualTo(next[(int) message[0]]);
      next[(int) message[0]]++;
    }
  }

  /** Drains while the queue says there is more (the consumer here accepts every message). */
  private static void drain(MessagePassingQueue<long[]> queue) {
    while ((queue.drain() & MessagePassingQueue.DRAIN_REQUIRED_MASK) != 0) {
      Thread.onSpinWait();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
