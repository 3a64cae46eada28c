package io.mws.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What lets several event loops share one encoding of a change: threads that ask at the same moment get one
 * computation and the same value, a null value included (a close has no Pusher frame).
 */
class ComputedOnceTest {
  static final int THREADS = 8;

  @Test
  void threadsThatAskAtOnceShareOneComputation() throws Exception {
    for (int round = 0; round < 200; round++) {
      var computations = new AtomicInteger();
      var once = new ComputedOnce<>(() -> {
        computations.incrementAndGet();
        Thread.yield(); // widen the window in which a second thread could start its own
        return new Object();
      });
      var values = askAtOnce(once::get);
      assertThat(computations).as("round " + round).hasValue(1);
      assertThat(values).allSatisfy(v -> assertThat(v).isSameAs(values.get(0)));
    }
  }

  @Test
  void aNullValueIsComputedOnceToo() throws Exception {
    var computations = new AtomicInteger();
    var once = new ComputedOnce<Object>(() -> {
      computations.incrementAndGet();
      return null;
    });
    assertThat(askAtOnce(once::get)).containsOnlyNulls();
    assertThat(once.get()).isNull();
    assertThat(computations).hasValue(1);
  }

  private static java.util.List<Object> askAtOnce(java.util.concurrent.Callable<Object> ask) throws Exception {
    var pool = Executors.newFixedThreadPool(THREADS);
    try {
      var start = new CountDownLatch(1);
      var asked = new ArrayList<Future<Object>>();
      for (int i = 0; i < THREADS; i++) {
        asked.add(pool.submit(() -> {
          start.await();
          return ask.call();
        }));
      }
      start.countDown();
      var values = new ArrayList<Object>();
      for (var f : asked) values.add(f.get(10, TimeUnit.SECONDS));
      return values;
    } finally {
      pool.shutdownNow();
    }
  }
}
