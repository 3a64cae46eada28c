// Drives Debian's Chromium (headless, /usr/bin/chromium, no browser download) through the admin
// console of a running MWS node, then opens the backend event stream from a page with a scoped token.
// Run by ConsoleBrowserTest: node console.mjs <base url> <admin password> <screenshot dir> <scoped token> <client token>
// Prints one JSON line with what it saw (or {"failure": ...}) last.
import puppeteer from 'puppeteer-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, password, shots, scopedToken, clientToken] = process.argv.slice(2);
const seen = { errors: [] };
const profile = mkdtempSync(join(tmpdir(), 'mws-chromium-'));
mkdirSync(shots, { recursive: true });
const browser = await puppeteer.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  userDataDir: profile,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', `--user-data-dir=${profile}`],
});

async function textOf(page, selector) {
  return page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent.trim()));
}

/** Waits until the page's rows under `selector` include `text`. */
async function waitForText(page, selector, text, timeout = 15000) {
  await page.waitForFunction((s, t) => [...document.querySelectorAll(s)].some((n) => n.textContent.includes(t)),
    { timeout }, selector, text);
}

try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 900 });
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) seen.errors.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => d.accept());
  page.on('response', (r) => {
    const expected = r.status() === 401 || r.url().endsWith('/favicon.ico'); // the wrong password; no icon
    if (r.status() >= 400 && !expected) seen.errors.push(`${r.status()} ${r.url()}`);
  });

  await page.goto(`${base}/console`, { waitUntil: 'networkidle0' });
  await page.screenshot({ path: join(shots, '1-signin.png') });
  await page.type('input[name=user]', 'admin');
  await page.type('input[name=password]', 'wrong-password');
  await page.click('#signin button');
  await page.waitForFunction(() => document.getElementById('signin-error').textContent.length > 0);
  seen.wrongPassword = (await textOf(page, '#signin-error'))[0];

  await page.$eval('input[name=password]', (i) => { i.value = ''; });
  await page.$eval('input[name=user]', (i) => { i.value = ''; });
  await page.type('input[name=user]', 'admin');
  await page.type('input[name=password]', password);
  await page.click('#signin button');
  await waitForText(page, '#view table a', 'moon');
  seen.vhosts = await textOf(page, '#view table a');
  seen.signinShown = await page.$eval('#signin', (f) => getComputedStyle(f).display !== 'none');
  seen.storage = await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length);
  await page.screenshot({ path: join(shots, '2-vhosts.png') });

  await page.goto(`${base}/console#/nodes`); // a hash change: the page stays, the view is replaced
  await waitForText(page, '#view h2', 'Nodes');
  await page.waitForSelector('#view table tr:nth-child(2)');
  seen.nodes = await page.$$eval('#view table tr', (rows) => rows.slice(1).map((r) => [...r.cells].map((c) => c.textContent)));
  await page.screenshot({ path: join(shots, '3-nodes.png') });

  await page.goto(`${base}/console#/vhosts/moon`);
  await waitForText(page, '#view table td', 'chat');
  seen.channels = await page.$$eval('#view table:nth-of-type(1) tr', (rows) => rows.slice(1).map((r) => [...r.cells].slice(0, 3).map((c) => c.textContent)));
  await page.screenshot({ path: join(shots, '4-vhost.png') });

  // The live tail: click "Tail" on chat, publish through the form, see each event arrive.
  const tailButtons = await page.$$('button.tail');
  const names = await page.$$eval('button.tail', (bs) => bs.map((b) => b.closest('tr').cells[0].textContent));
  await tailButtons[names.indexOf('chat')].click();
  await waitForText(page, '#tail-state', 'Tailing chat');
  for (let n = 1; n <= 3; n++) {
    await page.$eval('#publish input[name=channel]', (i) => { i.value = 'chat'; });
    await page.$eval('#publish input[name=event]', (i) => { i.value = 'from-console'; });
    await page.$eval('#publish textarea[name=data]', (t, v) => { t.value = v; }, JSON.stringify({ n }));
    await page.click('#publish button');
    await waitForText(page, '#vhost-message', 'Published rev');
    await page.$eval('#vhost-message', (m) => m.replaceChildren());
  }
  await page.waitForFunction(() => document.querySelectorAll('#tail .tail-event').length >= 3, { timeout: 15000 });
  seen.tail = await textOf(page, '#tail .tail-event');
  await page.screenshot({ path: join(shots, '5-tail.png'), fullPage: true });

  await page.click('#signout');
  seen.signedOut = await page.evaluate(() => getComputedStyle(document.getElementById('signin')).display !== 'none'
    && getComputedStyle(document.getElementById('view')).display === 'none');

  // A dashboard page (same origin) reads the backend stream with a scoped token, no secret in it.
  const dashboard = await browser.newPage();
  await dashboard.goto(`${base}/console`, { waitUntil: 'networkidle0' });
  await dashboard.evaluate((token) => new Promise((resolve, reject) => {
    window.received = [];
    const source = new EventSource(`/v1/vhosts/moon/events?token=${encodeURIComponent(token)}`);
    source.addEventListener('open', () => resolve());
    source.addEventListener('error', () => reject(new Error('EventSource failed')));
    source.addEventListener('dash/ping', (e) => window.received.push(JSON.parse(e.data)));
  }), scopedToken);
  const fired = await fetch(`${base}/v1/vhosts/moon/triggers`, { method: 'POST',
    headers: { Authorization: `Bearer ${clientToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ trigger: { event: 'dash/ping', data: { hello: 'dashboard' } } }) });
  seen.triggerStatus = fired.status;
  await dashboard.waitForFunction(() => window.received.length > 0, { timeout: 15000 });
  seen.dashboard = await dashboard.evaluate(() => window.received);
  await dashboard.screenshot({ path: join(shots, '6-dashboard.png') });
} catch (e) {
  seen.failure = String(e?.stack ?? e);
  for (const open of await browser.pages()) await open.screenshot({ path: join(shots, `failure-${Date.now()}.png`) }).catch(() => {});
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(seen));
