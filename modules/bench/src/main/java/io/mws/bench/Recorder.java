package io.mws.bench;

import java.util.Arrays;
import java.util.BitSet;

/** Deliveries and their latencies, in microseconds. Thread-safe (subscribers run on several event loops). */
public final class Recorder {
  private long[] micros = new long[1 << 16];
  private int n;
  private long duplicates;
  private long firstNanos = Long.MAX_VALUE;
  private long lastNanos;
  private long frames;
  private long frameBytes;

  /** Counts one received frame that carried a payload, by its size (the payloads are ASCII: chars = bytes). */
  public synchronized void frame(int bytes) {
    frames++;
    frameBytes += bytes;
  }

  /** Mean size of the frames that carried a payload, in bytes; NaN before any. */
  public synchronized double meanFrameBytes() {
    return frames == 0 ? Double.NaN : frameBytes / (double) frames;
  }

  /** Records one delivery; {@code seen} is the subscriber's own set of seqs (dedup of replays). */
  public synchronized void record(BitSet seen, long seq, long sentNanos, long nowNanos) {
    if (seq < Integer.MAX_VALUE) {
      if (seen.get((int) seq)) { duplicates++; return; }
      seen.set((int) seq);
    }
    if (n == micros.length) micros = Arrays.copyOf(micros, n * 2);
    micros[n++] = (nowNanos - sentNanos) / 1000;
    if (nowNanos < firstNanos) firstNanos = nowNanos;
    if (nowNanos > lastNanos) lastNanos = nowNanos;
  }

  public synchronized long count() { return n; }

  public synchronized long duplicates() { return duplicates; }

  public synchronized long lastNanos() { return lastNanos; }

  /** p in [0,1], in milliseconds. */
  public synchronized Stats stats() {
    var sorted = Arrays.copyOf(micros, n);
    Arrays.sort(sorted);
    return new Stats(n, pick(sorted, 0.50), pick(sorted, 0.99), n == 0 ? Double.NaN : sorted[n - 1] / 1000.0);
  }

  private static double pick(long[] sorted, double p) {
    if (sorted.length == 0) return Double.NaN;
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return sorted[Math.max(0, i)] / 1000.0;
  }

  public record Stats(long count, double p50Ms, double p99Ms, double maxMs) {}
}
