package io.mws.channels;

import java.io.Serializable;

/**
 * The sizes (and insertion seconds) of the items a Hazelcast Ringbuffer holds, oldest first, so the
 * bytes an append pushes out (or a TTL expires) can be released from a quota without reading the
 * ring. It mirrors the ring by count: the ring drops its oldest item when full, so does this.
 */
final class SizeLog implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int ttlSeconds;
  private int[] sizes = new int[4];
  private int[] seconds = new int[4];
  private int head;
  private int count;
  private long bytes;

  /**
   * @param ttlSeconds the ring's time to live (0: items stay until pushed out)
   * @param fixedBytes what the ring costs however few items it holds (its slot arrays), counted in {@link #bytes}
   */
  SizeLog(int ttlSeconds, long fixedBytes) {
    this.ttlSeconds = ttlSeconds;
    this.bytes = fixedBytes;
  }

  /** The ring's fixed bytes plus its items'. */
  long bytes() {
    return bytes;
  }

  /** Bytes the oldest {@code n} items hold. */
  long oldest(int n) {
    long sum = 0;
    for (int i = 0; i < Math.min(n, count); i++) sum += sizes[(head + i) % sizes.length];
    return sum;
  }

  /** How many items an append to a ring of {@code capacity} pushes out. */
  int overflow(int capacity) {
    return Math.max(0, count - capacity + 1);
  }

  /** Drops the oldest {@code n} items; returns their bytes. */
  long drop(int n) {
    long freed = 0;
    for (int i = 0; i < n && count > 0; i++) {
      freed += sizes[head];
      head = (head + 1) % sizes.length;
      count--;
    }
    bytes -= freed;
    return freed;
  }

  /** Drops the items the ring's TTL has expired by {@code nowSeconds}; returns their bytes. */
  long expire(int nowSeconds) {
    if (ttlSeconds <= 0) return 0;
    int n = 0;
    while (n < count && seconds[(head + n) % sizes.length] + ttlSeconds <= nowSeconds) n++;
    return drop(n);
  }

  void add(int size, int nowSeconds) {
    if (count == sizes.length) grow();
    int at = (head + count) % sizes.length;
    sizes[at] = size;
    seconds[at] = nowSeconds;
    count++;
    bytes += size;
  }

  private void grow() {
    var s = new int[sizes.length * 2];
    var t = new int[sizes.length * 2];
    for (int i = 0; i < count; i++) {
      s[i] = sizes[(head + i) % sizes.length];
      t[i] = seconds[(head + i) % sizes.length];
    }
    sizes = s;
    seconds = t;
    head = 0;
  }
}
