package io.mws.server;

import ch.qos.logback.classic.Level;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What this JVM's nodes log to standard output (where logback.xml writes) while it is open, in the
 * given format and from the given level up. Closing it restores the output and the default config.
 */
final class LogCapture implements AutoCloseable {
  private final PrintStream original = System.out;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

  LogCapture(String format, Level level) {
    Logging.use(format);
    root().setLevel(level);
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
  }

  /** The lines written so far. */
  List<String> lines() {
    synchronized (captured) {
      return captured.toString(StandardCharsets.UTF_8).lines().toList();
    }
  }

  @Override
  public void close() {
    System.setOut(original);
    Logging.use("text"); // a reload: levels back to logback.xml's
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }
}
