package io.mws.protocol;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A user-supplied regular expression (channel pattern of an access token, SSE filter), compiled with
 * RE2J so matching is linear in the input: no user pattern can stall an event loop. Full-match semantics.
 */
public final class ChannelPattern {
  public static final int MAX_LENGTH = 256;
  private static final int CACHE_SIZE = 1024;
  private static final Map<String, ChannelPattern> CACHE = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ChannelPattern> eldest) {
      return size() > CACHE_SIZE;
    }
  };

  private final String source;
  private final Pattern pattern;

  private ChannelPattern(String source, Pattern pattern) {
    this.source = source;
    this.pattern = pattern;
  }

  /** Compiles (or takes from a small cache) a pattern; throws IllegalArgumentException with a sentence. */
  public static ChannelPattern compile(String source) {
    if (source == null || source.isEmpty()) throw new IllegalArgumentException("the pattern is empty");
    if (source.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("the pattern is longer than " + MAX_LENGTH + " characters");
    }
    synchronized (CACHE) {
      var cached = CACHE.get(source);
      if (cached != null) return cached;
    }
    try {
      var compiled = new ChannelPattern(source, Pattern.compile(source));
      synchronized (CACHE) {
        CACHE.put(source, compiled);
      }
      return compiled;
    } catch (PatternSyntaxException e) {
      throw new IllegalArgumentException("the pattern is not a valid regular expression: " + e.getDescription());
    }
  }

  public boolean matches(String input) {
    return pattern.matches(input);
  }

  public String source() { return source; }

  @Override
  public String toString() { return source; }
}
