// The client's own logic, without a cluster: backoff, the close-code table, token timing, and the
// protocol against a scripted WebSocket server (close codes and token expiry the real server may send).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { backoffDelay, CLOSE_CODES, closePolicy, DEFAULT_BACKOFF } from '@mws/client';
import { refreshDelay, isExpired } from '../src/token.js';
import { client, until } from './env.mjs';

/** A JWT with these claims (unsigned: the client never verifies, it only reads exp and iat). */
function jwt(claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.x`;
}

/**
 * A WebSocket server that records each connection (its token, the frames it got) and lets the test
 * script its answers: `server.connections[i].frames`, `.send(obj)`, `.close(code)`. A connection
 * with a token in `refuse` is closed with 4001 at once. Watches are accepted at once with rev 0, except
 * on connections opened while `server.manual` is set: the test answers those itself.
 */
async function scriptedServer({ refuse = [] } = {}) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.on('listening', resolve));
  const connections = [];
  const server = { url: `ws://127.0.0.1:${wss.address().port}/v1/ws`, connections, manual: false };
  wss.on('connection', (socket, request) => {
    const connection = {
      manual: server.manual,
      token: new URL(request.url, 'http://x').searchParams.get('token'),
      frames: [],
      send: (o) => socket.send(JSON.stringify(o)),
      close: (code) => socket.close(code, 'scripted'),
    };
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data));
      connection.frames.push(frame);
      if (frame.method === 'watch' && !connection.manual) {
        connection.send({ requestId: frame.requestId, status: 200, headers: { 'x-oada-rev': '0' } });
      }
    });
    connections.push(connection);
    if (refuse.includes(connection.token)) connection.close(4001); // as for a token of a rotated vhost
  });
  after(() => new Promise((resolve) => { for (const s of wss.clients) s.terminate(); wss.close(resolve); }));
  return server;
}

/** A change message of rev `rev`; its `_tag` is `tagOf(rev)`, as the server sends beside each rev. */
const change = (requestId, rev) => ({
  requestId: [requestId], resourceId: 'resources/vhosts/v/channels/c', path_leftover: '',
  change: [{ type: 'merge', path: '', body: { _rev: rev, _tag: tagOf(rev), event: 'e', data: rev, uid: null } }],
});
const tagOf = (rev) => rev.toString(16).padStart(16, '0');
const watchFrames = (connection) => connection.frames.filter((f) => f.method === 'watch');

test('backoff: full jitter under a cap that doubles per attempt up to maxMs', () => {
  const options = { initialMs: 100, maxMs: 1000 };
  assert.equal(backoffDelay(0, options, () => 0), 0);
  assert.equal(backoffDelay(0, options, () => 0.999), 99);
  assert.equal(backoffDelay(2, options, () => 0.999), 399);
  assert.equal(backoffDelay(10, options, () => 0.999), 999);
  assert.equal(backoffDelay(1000, options, () => 0.5), 500, 'no overflow for a large attempt');
  assert.deepEqual(DEFAULT_BACKOFF, { initialMs: 250, maxMs: 30_000 });
});

test('the close-code table: 1012 reconnects, 4000/4001 need a new token, 4002 refreshes and reconnects', () => {
  assert.deepEqual(CLOSE_CODES[1012], { meaning: CLOSE_CODES[1012].meaning, reconnect: true, refresh: false });
  for (const code of [4000, 4001]) assert.deepEqual([CLOSE_CODES[code].reconnect, CLOSE_CODES[code].refresh], [false, true]);
  assert.deepEqual([CLOSE_CODES[4002].reconnect, CLOSE_CODES[4002].refresh], [true, true]);
  assert.equal(closePolicy(4999).reconnect, true, 'an unknown code reconnects');
  for (const entry of Object.values(CLOSE_CODES)) assert.equal(typeof entry.meaning, 'string');
});

test('token timing: refresh a quarter of the life (at most 60 s) before exp; expiry', () => {
  const now = 1_000_000_000_000;
  const s = now / 1000;
  assert.equal(refreshDelay(jwt({ iat: s, exp: s + 2 }), now), 1500);
  assert.equal(refreshDelay(jwt({ iat: s, exp: s + 3600 }), now), 3_540_000);
  assert.equal(refreshDelay('not-a-jwt', now), null);
  assert.equal(isExpired(jwt({ exp: s - 1 }), now), true);
  assert.equal(isExpired(jwt({ exp: s + 1 }), now), false);
});

test('a refreshToken() that fails, or hands back the same expiring token, is not called in a loop', async () => {
  const server = await scriptedServer();
  const soon = () => { const s = Math.floor(Date.now() / 1000); return jwt({ iat: s, exp: s + 1 }); };
  let failing = 0;
  const errors = [];
  const a = client(server.url, { token: soon(), refreshToken: async () => { failing++; throw new Error('backend down'); } });
  a.on('error', (e) => errors.push(e));
  const stale = soon();
  let same = 0;
  client(server.url, { token: stale, refreshToken: async () => { same++; return stale; } });
  await new Promise((resolve) => setTimeout(resolve, 2500));
  console.log(`refreshToken() calls in 2.5 s: ${failing} failing, ${same} handing back the same token`);
  assert.ok(failing >= 1 && failing <= 4, `failing ${failing}`);
  assert.ok(same >= 1 && same <= 4, `same ${same}`);
  assert.equal(errors[0].code, 'refresh_failed');
});

test('backoff option: a short backoff retries a refused URL many times more than the default', async () => {
  const dead = 'ws://127.0.0.1:9/v1/ws'; // the discard port: nothing listens there
  const count = async (backoff) => {
    const c = client(dead, { backoff });
    let closes = 0;
    c.on('close', () => closes++);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await c.close();
    return closes;
  };
  const quick = await count({ initialMs: 10, maxMs: 20 });
  const slow = await count({ initialMs: 60_000, maxMs: 60_000 });
  console.log(`failed attempts in 1 s: ${quick} with a 10-20 ms backoff, ${slow} with 60 s`);
  assert.ok(quick >= 10, `quick ${quick}`);
  assert.ok(slow <= 2, `slow ${slow}`);
});

test('requestTimeoutMs: a request that gets no answer rejects with request_timeout', async () => {
  const server = await scriptedServer();
  const c = client(server.url, { requestTimeoutMs: 200 });
  const started = Date.now();
  await assert.rejects(c.request('get', '/v1/x'), { code: 'request_timeout' });
  const waited = Date.now() - started;
  assert.ok(waited >= 190 && waited < 2000, `waited ${waited} ms`);
});

test('4002: refresh, reconnect with the new token, resume from the last rev, drop a replayed duplicate', async () => {
  const server = await scriptedServer();
  const c = client(server.url, { token: 'first', refreshToken: async () => 'second', backoff: { initialMs: 10 } });
  const seen = [];
  const watch = c.watch('/v1/vhosts/v/channels/c', {}, (ch) => seen.push(ch.rev));
  await watch.ready;
  const [one] = server.connections;
  one.send(change(watchFrames(one)[0].requestId, 1));
  one.send(change(watchFrames(one)[0].requestId, 2));
  await until(() => seen.length === 2);
  one.close(4002);
  await until(() => server.connections.length === 2 && watchFrames(server.connections[1]).length === 1);
  const two = server.connections[1];
  const resumed = watchFrames(two)[0];
  assert.equal(two.token, 'second');
  assert.equal(resumed.headers.authorization, 'Bearer second');
  assert.equal(resumed.headers['x-oada-rev'], '2');
  // A server that replays one rev too many: the client delivers it once only.
  for (const rev of [2, 3]) two.send(change(resumed.requestId, rev));
  await until(() => seen.length >= 3);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(seen, [1, 2, 3]);
});

test('a resume carries the last change\'s _tag; a 410 (the rev now names another event) resyncs, then watches from the current rev with no tag', async () => {
  const server = await scriptedServer();
  const c = client(server.url, { backoff: { initialMs: 10 } });
  const resyncs = [];
  c.on('resync', (info) => resyncs.push(info));
  const seen = [];
  const onResyncCalls = [];
  const watch = c.watch('/v1/vhosts/v/channels/c', { onResync: (info) => onResyncCalls.push(info) }, (ch) => seen.push([ch.rev, ch.tag]));
  await watch.ready;
  const [one] = server.connections;
  for (const rev of [1, 2]) one.send(change(watchFrames(one)[0].requestId, rev));
  await until(() => seen.length === 2);
  assert.deepEqual(seen, [[1, tagOf(1)], [2, tagOf(2)]]);
  assert.equal(watch.lastTag, tagOf(2));
  server.manual = true; // the next connection's watch is refused by the test
  one.close(1012);
  await until(() => server.connections.length === 2 && watchFrames(server.connections[1]).length === 1);
  const two = server.connections[1];
  const resumed = watchFrames(two)[0];
  assert.equal(resumed.headers['x-oada-rev'], '2');
  assert.equal(resumed.headers['x-mws-rev-tag'], tagOf(2));
  // The merged history holds another event under rev 2, and the channel is at rev 4.
  two.send({ requestId: resumed.requestId, status: 410, headers: { 'x-oada-rev': '4' },
    data: { error: { reason: 'rev_expired', message: 'rev 2 names another event' } } });
  await until(() => watchFrames(two).length === 2);
  assert.deepEqual(resyncs, [{ path: '/v1/vhosts/v/channels/c', rev: 4 }]);
  assert.deepEqual(onResyncCalls, resyncs);
  const rewatch = watchFrames(two)[1];
  assert.equal(rewatch.headers['x-oada-rev'], '4');
  assert.equal(rewatch.headers['x-mws-rev-tag'], undefined, 'the tag of rev 4 is not known: a plain rev');
  two.send({ requestId: rewatch.requestId, status: 200, headers: { 'x-oada-rev': '4' } });
  two.send(change(rewatch.requestId, 5));
  await until(() => seen.length === 3);
  assert.deepEqual(seen.at(-1), [5, tagOf(5)]);
});

test('sinceTag: the first watch sends it with since; without since, or from a server without tags, no tag is sent', async () => {
  const server = await scriptedServer();
  const c = client(server.url, {});
  const tagged = c.watch('/v1/vhosts/v/channels/a', { since: 9, sinceTag: tagOf(9) }, () => {});
  const untagged = c.watch('/v1/vhosts/v/channels/b', { sinceTag: tagOf(9) }, () => {});
  await Promise.all([tagged.ready, untagged.ready]);
  const [a, b] = watchFrames(server.connections[0]);
  assert.deepEqual([a.headers['x-oada-rev'], a.headers['x-mws-rev-tag']], ['9', tagOf(9)]);
  assert.deepEqual([b.headers['x-oada-rev'], b.headers['x-mws-rev-tag']], [undefined, undefined]);
  // A change without _tag (an older server): the next resume sends the plain rev.
  server.connections[0].send({ requestId: [a.requestId], resourceId: 'resources/vhosts/v/channels/a', path_leftover: '',
    change: [{ type: 'merge', path: '', body: { _rev: 10, event: 'e', data: 1, uid: null } }] });
  await until(() => tagged.lastRev === 10);
  assert.equal(tagged.lastTag, null);
  server.connections[0].close(1012);
  await until(() => server.connections.length === 2 && watchFrames(server.connections[1]).length === 2);
  const resumedA = watchFrames(server.connections[1]).find((f) => f.path.endsWith('/a'));
  assert.deepEqual([resumedA.headers['x-oada-rev'], resumedA.headers['x-mws-rev-tag']], ['10', undefined]);
});

test('401 token_expired on a watch: refresh, then watch again from the last rev on the same connection', async () => {
  const server = await scriptedServer();
  let refreshes = 0;
  const c = client(server.url, { token: 'first', refreshToken: async () => `fresh${++refreshes}` });
  const seen = [];
  await c.watch('/v1/vhosts/v/channels/c', {}, (ch) => seen.push(ch.rev)).ready;
  const [one] = server.connections;
  const first = watchFrames(one)[0];
  one.send(change(first.requestId, 5));
  await until(() => seen.length === 1);
  one.send({ requestId: first.requestId, status: 401, headers: {}, data: { error: { reason: 'token_expired', message: 'expired' } } });
  await until(() => watchFrames(one).length === 2);
  const again = watchFrames(one)[1];
  assert.equal(again.headers.authorization, 'Bearer fresh1');
  assert.equal(again.headers['x-oada-rev'], '5');
  assert.equal(server.connections.length, 1, 'no reconnect needed');
  one.send(change(first.requestId, 6)); // the old watch's id: ignored
  one.send(change(again.requestId, 6));
  await until(() => seen.length === 2);
  assert.deepEqual(seen, [5, 6]);
});

test('4001: fatal without a new token, resumed with one', async () => {
  const server = await scriptedServer();
  const fatal = client(server.url, { token: 'void', backoff: { initialMs: 10 } });
  const errors = [];
  const closes = [];
  fatal.on('error', (e) => errors.push(e));
  fatal.on('close', (info) => closes.push(info));
  await until(() => server.connections.length === 1);
  server.connections[0].close(4001);
  await until(() => closes.length === 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(closes[0].reconnecting, false);
  assert.equal(errors[0].code, 4001);
  assert.equal(server.connections.length, 1, 'no reconnect');
  await assert.rejects(fatal.request('get', '/x'), { code: 'closed' });

  const renewed = client(server.url, { token: 'void', refreshToken: async () => 'rotated', backoff: { initialMs: 10 } });
  await until(() => server.connections.length === 2);
  server.connections[1].close(4001);
  await until(() => server.connections.length === 3);
  assert.equal(server.connections[2].token, 'rotated');
  assert.equal(renewed.token, 'rotated');
});

test('4001 while refreshToken() fails: not fatal; the next close refreshes again and resumes', async () => {
  const server = await scriptedServer({ refuse: ['void'] });
  let calls = 0;
  const errors = [];
  const c = client(server.url, {
    token: 'void', backoff: { initialMs: 20, maxMs: 50 },
    refreshToken: async () => { if (++calls === 1) throw new Error('backend down'); return 'rotated'; },
  });
  c.on('error', (e) => errors.push(e));
  const watch = c.watch('/v1/vhosts/v/channels/c', { since: 4 }, () => {});
  await watch.ready;
  const last = server.connections.at(-1);
  assert.deepEqual(server.connections.map((k) => k.token), ['void', 'void', 'rotated']);
  assert.equal(watchFrames(last)[0].headers['x-oada-rev'], '4');
  assert.deepEqual(errors.map((e) => e.code), ['refresh_failed']);
});

test('1012: another URL of the list, within the first backoff window, resuming', async () => {
  const servers = [await scriptedServer(), await scriptedServer()];
  const c = client(servers.map((s) => s.url), { backoff: { initialMs: 100 } });
  const reconnects = [];
  c.on('reconnect', (info) => reconnects.push(info));
  await c.watch('/v1/vhosts/v/channels/c', { since: 7 }, () => {}).ready;
  const [first, other] = servers[0].connections.length === 1 ? servers : [servers[1], servers[0]];
  assert.equal(c.url, first.url);
  const started = Date.now();
  first.connections[0].close(1012);
  await until(() => reconnects.length === 1 && other.connections.length === 1 && watchFrames(other.connections[0]).length === 1, 2000);
  console.log(`1012 -> watching on another URL in ${Date.now() - started} ms`);
  assert.equal(c.url, other.url);
  assert.equal(watchFrames(other.connections[0])[0].headers['x-oada-rev'], '7');
});

test('a failed attempt: another URL next (5 clients, 2 dead URLs of 3, all end up on the live one)', async () => {
  const live = await scriptedServer();
  const urls = ['ws://127.0.0.1:9/v1/ws', live.url, 'ws://127.0.0.1:7/v1/ws'];
  for (let i = 0; i < 5; i++) client(urls, { backoff: { initialMs: 20, maxMs: 50 } });
  await until(() => live.connections.length === 5, 5000, 'all 5 on the live URL');
});

test('heartbeatMs: a connection that leaves a ping unanswered is replaced; 0 turns it off', async () => {
  const silent = await scriptedServer(); // answers nothing but watches
  client(silent.url, { heartbeatMs: 100, backoff: { initialMs: 10 } });
  await until(() => silent.connections.length >= 3, 3000, 'two replacements');
  assert.ok(silent.connections[0].frames.some((f) => f.method === 'ping'));
  const quiet = await scriptedServer();
  client(quiet.url, { heartbeatMs: 0 });
  await new Promise((resolve) => setTimeout(resolve, 600));
  assert.equal(quiet.connections.length, 1);
  assert.equal(quiet.connections[0].frames.length, 0, 'no ping sent');
});

test('an app callback that throws: an error event, and the watch goes on', async () => {
  const server = await scriptedServer();
  const c = client(server.url, {});
  const errors = [];
  c.on('error', (e) => errors.push(e));
  const seen = [];
  await c.watch('/v1/vhosts/v/channels/c', {}, (ch) => { seen.push(ch.rev); if (ch.rev === 1) throw new Error('app bug'); }).ready;
  const id = watchFrames(server.connections[0])[0].requestId;
  server.connections[0].send(change(id, 1));
  server.connections[0].send(change(id, 2));
  await until(() => seen.length === 2);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(errors[0].message, 'app bug');
});

test('the browser entry (src/index.js) imports only its own files and runs on a global WebSocket', async () => {
  const { readFile, readdir } = await import('node:fs/promises');
  for (const file of await readdir(new URL('../src/', import.meta.url))) {
    if (file === 'node.js') continue;
    const source = await readFile(new URL(`../src/${file}`, import.meta.url), 'utf8');
    for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) assert.match(spec, /^\.\//, `${file} imports ${spec}`);
  }
  const { WebSocket } = await import('ws');
  const browser = await import('../src/index.js');
  const server = await scriptedServer();
  const own = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
  globalThis.WebSocket = WebSocket;
  let c;
  try {
    c = browser.connect(server.url, { token: 't' });
  } finally {
    delete globalThis.WebSocket;
  }
  try {
    assert.deepEqual(await c.watch('/v1/vhosts/v/channels/c', {}, () => {}).ready, { rev: 0 });
    assert.equal(server.connections[0].token, 't');
  } finally {
    await c.close();
  }
  assert.throws(() => browser.connect(server.url, {}), { code: 'no_websocket' });
  if (own) Object.defineProperty(globalThis, 'WebSocket', own);
});
