package io.mws.bench;

/**
 * A message body carrying its own send time: {@code @@B<channelIndex>:<seq>:<nanoTime>;} padded to the wanted
 * size with 'x'. Publisher and subscribers live in the same JVM, so {@link System#nanoTime()} is comparable.
 * The marker has no characters that JSON escapes, so it survives every server's envelope (MWS's change
 * messages, Pusher's string-encoded data) unchanged.
 */
public final class Payload {
  static final String MARK = "@@B";

  private Payload() {}

  public static String make(int channel, long seq, long nanos, int size) {
    var sb = new StringBuilder(size).append(MARK).append(channel).append(':').append(seq).append(':').append(nanos)
        .append(';');
    while (sb.length() < size) sb.append('x');
    return sb.toString();
  }

  /** Calls {@code sink} for every marker in {@code text}; returns how many it found. */
  public static int scan(String text, Sink sink) {
    int found = 0;
    int i = text.indexOf(MARK);
    while (i >= 0) {
      int p = i + MARK.length();
      try {
        int c1 = text.indexOf(':', p);
        int c2 = text.indexOf(':', c1 + 1);
        int end = text.indexOf(';', c2 + 1);
        if (c1 < 0 || c2 < 0 || end < 0) return found;
        sink.accept(Integer.parseInt(text, p, c1, 10), Long.parseLong(text, c1 + 1, c2, 10),
            Long.parseLong(text, c2 + 1, end, 10));
        found++;
        i = text.indexOf(MARK, end);
      } catch (NumberFormatException e) {
        i = text.indexOf(MARK, p);
      }
    }
    return found;
  }

  @FunctionalInterface
  public interface Sink {
    void accept(int channel, long seq, long sentNanos);
  }
}
