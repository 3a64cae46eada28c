import { after } from 'node:test';
import { connect } from '@mws/client';

// What JsClientTest hands the cluster suite: the nodes, a vhost with its backend token, a control URL.
export const httpUrls = (process.env.MWS_URLS ?? '').split(',').filter(Boolean);
export const wsUrls = httpUrls.map((u) => u.replace(/^http/, 'ws') + '/v1/ws');
export const vhost = process.env.MWS_VHOST;
export const backendToken = process.env.MWS_BACKEND_TOKEN;
export const history = Number(process.env.MWS_HISTORY ?? 20);
export const control = process.env.MWS_CONTROL;
/** Without a cluster (a plain `npm test`) the cluster tests are skipped; JsClientTest asserts none is. */
export const skip = httpUrls.length < 3 ? 'needs MWS_URLS (run by JsClientTest)' : false;

/** A backend call to node `node` (index into httpUrls): {status, body}. */
export async function api(method, path, body, node = 0) {
  const response = await fetch(httpUrls[node] + path, {
    method,
    headers: { authorization: `Bearer ${backendToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

export const channelPath = (channel) => `/v1/vhosts/${vhost}/channels/${channel}`;

export async function openChannel(channel) {
  const { status } = await api('PUT', channelPath(channel));
  if (status !== 201 && status !== 200) throw new Error(`PUT channel ${channel}: ${status}`);
}

/** Fires one event through node `node`; its rev. */
export async function fire(channel, event, data, node = 0) {
  const { status, body } = await api('POST', `${channelPath(channel)}/events`, { trigger: { event, data } }, node);
  if (status !== 202) throw new Error(`fire on ${channel}: ${status} ${JSON.stringify(body)}`);
  return body.data.attributes.rev;
}

/** A client access token for `uid` (ttl in seconds, default the server's). */
export async function accessToken(uid, { ttl, channels = '.*', publish = true } = {}) {
  const query = new URLSearchParams({ uid, channels, publish: String(publish) });
  if (ttl) query.set('ttl', String(ttl));
  const { status, body } = await api('GET', `/v1/vhosts/${vhost}/token?${query}`);
  if (status !== 200) throw new Error(`token: ${status} ${JSON.stringify(body)}`);
  return body.token;
}

/** Asks JsClientTest to close the node serving `wsUrl`; resolves once it is closed. */
export async function stopNode(wsUrl) {
  const response = await fetch(`${control}/stop?port=${new URL(wsUrl).port}`, { method: 'POST' });
  if (response.status !== 200) throw new Error(`stop node: ${response.status} ${await response.text()}`);
}

/** Polls `condition` every 20 ms until it holds; fails after `ms`. */
export async function until(condition, ms = 10_000, what = 'condition') {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** 1..n */
export const revs = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Ends the client's current socket abruptly (no close frame), as a network drop would. */
export function dropSocket(client) {
  const socket = client.socket;
  if (typeof socket.terminate === 'function') socket.terminate();
  else socket.close();
}

/**
 * Runs the first ```js block of README.md as a program of this package (so `@mws/client` resolves to
 * it), with each key of `replace` replaced by its value; resolves with its output once `done(output)`
 * holds, then ends it.
 */
export async function runReadmeExample(replace, done, ms = 15_000) {
  const { readFile, writeFile, rm } = await import('node:fs/promises');
  const { spawn } = await import('node:child_process');
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  let code = readme.match(/```js\n([\s\S]*?)```/)[1];
  for (const [from, to] of Object.entries(replace)) {
    if (!code.includes(from)) throw new Error(`the README example no longer contains ${from}`);
    code = code.split(from).join(to);
  }
  const file = new URL('./readme.generated.mjs', import.meta.url);
  await writeFile(file, code);
  const child = spawn(process.execPath, [file.pathname], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (b) => { output += b; });
  child.stderr.on('data', (b) => { output += b; });
  try {
    await until(() => done(output) || child.exitCode !== null, ms, 'the README example');
    if (!done(output)) throw new Error(`the README example ended (${child.exitCode}):\n${output}`);
    return output;
  } finally {
    child.kill();
    await rm(file, { force: true });
  }
}

const clients = [];
/** A client that the test file closes when it ends, whatever happens. */
export function client(url, options) {
  const c = connect(url, options);
  clients.push(c);
  return c;
}
after(() => Promise.all(clients.map((c) => c.close())));
