package io.mws.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per line (MWS_LOG_FORMAT=json): ts, level, logger, thread, message, error, stack.
 * Written by hand on purpose: Vert.x logs while it initializes its own JSON codec, so a formatter
 * that used that codec would run before it exists.
 */
public final class JsonLogFormatter extends Formatter {
  @Override
  public String format(LogRecord record) {
    var out = new StringBuilder(256).append('{');
    field(out, "ts", Instant.ofEpochMilli(record.getMillis()).toString()).append(',');
    field(out, "level", record.getLevel().getName()).append(',');
    field(out, "logger", record.getLoggerName()).append(',');
    field(out, "thread", Thread.currentThread().getName()).append(',');
    field(out, "message", formatMessage(record));
    if (record.getThrown() != null) {
      var trace = new StringWriter();
      record.getThrown().printStackTrace(new PrintWriter(trace));
      field(out.append(','), "error", record.getThrown().toString()).append(',');
      field(out, "stack", trace.toString());
    }
    return out.append('}').append(System.lineSeparator()).toString();
  }

  private static StringBuilder field(StringBuilder out, String name, String value) {
    out.append('"').append(name).append("\":");
    if (value == null) return out.append("null");
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c)); else out.append(c);
        }
      }
    }
    return out.append('"');
  }
}
