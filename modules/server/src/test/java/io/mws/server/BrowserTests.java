package io.mws.server;

import io.mws.testsupport.Prerequisites;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** What the Chromium tests (ConsoleBrowserTest, ClientFailoverBrowserTest) need besides the browser. */
final class BrowserTests {
  private BrowserTests() {}

  /**
   * The MWS JS client must be in the build: the api module copies clients/js/src into the jar's
   * console/js/ (its pom), and skips the copy in a checkout that has no clients/js yet. Without it the
   * console has no live tail, so these tests are skipped, saying why.
   */
  /**
   * Skips the test without the JS client (below); else makes sure /usr/bin/chromium is there
   * (scripts/chromium.sh: apt-get when it is missing) and puppeteer-core installed (npm ci on first use,
   * no browser download). Returns the clients/browser-tests folder.
   */
  static Path prepare() throws Exception {
    assumeClientBuilt();
    Prerequisites.requireOrRoot(Path.of("/usr/bin/chromium"), "scripts/chromium.sh",
        "apt-get install chromium once as root, or run the browser tests as root");
    NodeScripts.run(Path.of("..", "..").toAbsolutePath().normalize(), 600, List.of("bash", "scripts/chromium.sh"));
    var dir = NodeScripts.clientDir("browser-tests");
    NodeScripts.ensureInstalled(dir, "puppeteer-core");
    return dir;
  }

  private static void assumeClientBuilt() {
    Assumptions.assumeTrue(BrowserTests.class.getClassLoader().getResource("console/js/index.js") != null,
        "clients/js/src is not in this checkout: the console carries no JS client, so the browser tests are skipped");
  }
}
