package io.mws.server;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The node's one logging stack: SLF4J bound to Logback ({@code logback.xml}), with java.util.logging
 * bridged into it so no library logs around it. Logback installs no shutdown hook unless its config asks
 * (ours does not), so records written while the node drains after SIGTERM still reach the output.
 */
final class Logging {
  /** The property logback.xml reads to pick its appender: {@code text} or {@code json}. */
  static final String FORMAT = "log.format";

  private Logging() {}

  /**
   * Routes java.util.logging into SLF4J and (re)loads logback.xml with this format, unless the operator
   * gave Logback a file of their own ({@code -Dlogback.configurationFile}) or bound SLF4J to another backend.
   */
  static synchronized void use(String format) {
    if (!format.equals("text") && !format.equals("json")) {
      throw new IllegalArgumentException("log.format must be text or json, not '" + format + "'");
    }
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger(); // the JDK's console handler would print each record twice
      SLF4JBridgeHandler.install();
    }
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
    if (System.getProperty("logback.configurationFile") != null || format.equals(context.getProperty(FORMAT))) return;
    context.reset();
    context.putProperty(FORMAT, format);
    var configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(Logging.class.getResource("/logback.xml"));
    } catch (JoranException e) {
      throw new IllegalStateException("logback.xml: " + e.getMessage(), e);
    }
  }
}
