// The MWS JS client in Chromium (loaded from /console/mws.js): a page watches a channel through one of
// two nodes while the test stops that node; the client moves to the other and resumes by rev.
// Run by ClientFailoverBrowserTest:
// node failover.mjs <page origin> <ws url A> <ws url B> <client token> <channel path> <count>
// Prints one JSON line last: the revs the page received, in order, and the client's events.
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [origin, wsA, wsB, token, path, count] = process.argv.slice(2);
const seen = { errors: [] };
const profile = mkdtempSync(join(tmpdir(), 'mws-chromium-'));
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${profile}`],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  // The console's CSP admits connections to its own node only (connect-src 'self'); this page's client
  // also connects to the other node, so the test lifts the CSP for this page (the console never needs it).
  await page.setBypassCSP(true);
  await page.goto(`${origin}/console`, { waitUntil: 'networkidle0' });
  seen.watchingFrom = await page.evaluate(async (urls, token, path) => {
    const { connect } = await import('/console/mws.js');
    window.revs = [];
    window.events = [];
    const client = connect(urls, { token, backoff: { initialMs: 100, maxMs: 1000 } });
    for (const name of ['open', 'close', 'reconnect', 'resync']) {
      client.on(name, (info) => window.events.push(`${name} ${info?.url ?? info?.code ?? info?.rev ?? ''}`));
    }
    client.on('error', (e) => window.events.push(`error ${e.message}`));
    const watch = client.watch(path, {}, ({ rev }) => window.revs.push(rev));
    return (await watch.ready).rev;
  }, [wsA, wsB], token, path);
  console.log('WATCHING'); // the test starts firing once the watch is in place (it also polls presence)
  await page.waitForFunction((n) => window.revs.length >= n, { timeout: 90000, polling: 100 }, Number(count))
    .catch((e) => seen.errors.push(`waiting for ${count} revs: ${e.message}`));
  await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up
  seen.revs = await page.evaluate(() => window.revs);
  seen.events = await page.evaluate(() => window.events);
} catch (e) {
  seen.failure = String(e?.stack ?? e);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(seen));
