package io.mws.server;

import java.util.logging.LogManager;

/**
 * java.util.logging resets (and so silences) every handler from its own shutdown hook, which runs
 * alongside ours: the node's drain on SIGTERM would log into the void. This manager ignores that
 * one reset; every other reset (readConfiguration) behaves as usual. Installed by {@link Main}.
 */
public final class DrainSafeLogManager extends LogManager {
  @Override
  public void reset() {
    if (Thread.currentThread().getClass().getName().endsWith("LogManager$Cleaner")) return;
    super.reset();
  }
}
