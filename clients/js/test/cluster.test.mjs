// The client against three real MWS nodes (started by JsClientTest). Runs in order; the last test
// stops a node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import {
  backendToken, client, httpUrls, runReadmeExample,
  accessToken, api, channelPath, dropSocket, fire, history, openChannel, revs, skip, sleep, stopNode, until, vhost, wsUrls,
} from './env.mjs';

/** Every test: skipped without a cluster; failed, not hung, after a minute. */
const options = { skip, timeout: 60_000 };

/** Collects what a watch delivers. */
function recorder() {
  const seen = [];
  const onChange = (change) => seen.push(change);
  onChange.seen = seen;
  onChange.revs = () => seen.filter((c) => c.type === 'event').map((c) => c.rev);
  return onChange;
}

test('request and response: get, post, a 404 and a 403 with their reasons', options, async () => {
  await openChannel('rr');
  const c = client(wsUrls[0], { token: await accessToken('ann') });
  const got = await c.request('get', channelPath('rr'));
  assert.equal(got.status, 200);
  assert.equal(got.headers['x-oada-rev'], '0');
  const posted = await c.request('post', `${channelPath('rr')}/events`, { trigger: { event: 'hi', data: { n: 1 } } });
  assert.equal(posted.status, 202);
  assert.deepEqual([posted.data.data.attributes.rev, posted.data.data.attributes.uid], [1, 'ann']);
  const missing = await c.request('get', channelPath('nowhere'));
  assert.equal(missing.status, 404);
  assert.equal(missing.data.error.reason, 'channel_not_found');
  const refused = await c.request('put', channelPath('mine'));
  assert.equal(refused.status, 403, 'opening a channel is for the backend');
  assert.equal(typeof refused.data.error.reason, 'string');
});

test('watch: replay since a rev, then live events in rev order', options, async () => {
  await openChannel('live');
  await fire('live', 'old', 1);
  await fire('live', 'old', 2);
  const c = client(wsUrls[0], { token: await accessToken('ann') });
  const onChange = recorder();
  const watch = c.watch(channelPath('live'), { since: 0 }, onChange);
  assert.deepEqual(await watch.ready, { rev: 2 });
  for (let i = 3; i <= 5; i++) await fire('live', 'new', i, 1);
  await until(() => onChange.revs().length === 5, 10_000, '5 events');
  assert.deepEqual(onChange.seen.map((ch) => [ch.type, ch.rev, ch.event, ch.data, ch.uid]),
    [['event', 1, 'old', 1, null], ['event', 2, 'old', 2, null], ['event', 3, 'new', 3, null], ['event', 4, 'new', 4, null],
      ['event', 5, 'new', 5, null]]);
  assert.equal(watch.lastRev, 5);
  assert.equal((await watch.unwatch()).status, 200);
  await fire('live', 'after', 6);
  await sleep(300);
  assert.equal(onChange.revs().length, 5, 'nothing after unwatch');
});

test('a killed socket: the client reconnects and resumes, no gap, no duplicate', options, async () => {
  await openChannel('drop');
  const c = client(wsUrls[0], { token: await accessToken('ann'), backoff: { initialMs: 100 } });
  const reconnects = [];
  c.on('reconnect', (info) => reconnects.push(info));
  const onChange = recorder();
  await c.watch(channelPath('drop'), {}, onChange).ready;
  let fired = 0;
  for (; fired < 3; ) fired = await fire('drop', 'e', fired + 1);
  await until(() => onChange.revs().length === 3, 10_000, 'the first 3');
  // Drop twice in a row, firing all along (on another node): the two resumes overlap the live stream.
  for (let round = 0; round < 2; round++) {
    dropSocket(c);
    for (let i = 0; i < 4; i++) fired = await fire('drop', 'e', fired + 1, 1);
    await until(() => reconnects.length === round + 1, 10_000, 'the reconnect');
  }
  for (let i = 0; i < 3; i++) fired = await fire('drop', 'e', fired + 1, 2);
  await until(() => onChange.revs().length >= fired, 10_000, `${fired} events`);
  await sleep(200);
  assert.deepEqual(onChange.revs(), revs(1, fired));
  assert.deepEqual(onChange.seen.map((ch) => ch.data), revs(1, fired));
});

test('a rev out of the history: resync signal with the current rev, then live from it', options, async () => {
  await openChannel('old');
  let current = 0;
  for (let i = 0; i < history + 5; i++) current = await fire('old', 'e', i);
  const c = client(wsUrls[0], { token: await accessToken('ann') });
  const resyncs = [];
  const onResyncCalls = [];
  c.on('resync', (info) => resyncs.push(info));
  const onChange = recorder();
  const watch = c.watch(channelPath('old'), { since: 1, onResync: (info) => onResyncCalls.push(info) }, onChange);
  await watch.ready;
  assert.deepEqual(resyncs, [{ path: channelPath('old'), rev: current }]);
  assert.deepEqual(onResyncCalls, resyncs);
  const next = await fire('old', 'after', 'live', 1);
  await until(() => onChange.revs().length === 1, 10_000, 'the live event');
  await sleep(200);
  assert.deepEqual(onChange.revs(), [next]);
  assert.equal(next, current + 1);
});

test('a rev that now names another event: the resume sends its tag, gets 410, resyncs and goes on live; a plain rev is served as before', options, async () => {
  await openChannel('retag');
  for (let i = 1; i <= 3; i++) await fire('retag', 'first life', i);
  // A WebSocket that cannot connect while `cut` is set: the client retries until it is lifted.
  let cut = false;
  const Gated = class extends WebSocket {
    constructor(url) { super(cut ? 'ws://127.0.0.1:9/v1/ws' : url); }
  };
  const c = client(wsUrls[0], { token: await accessToken('ann'), WebSocket: Gated, backoff: { initialMs: 50, maxMs: 200 } });
  const resyncs = [];
  c.on('resync', (info) => resyncs.push(info));
  const onChange = recorder();
  const watch = c.watch(channelPath('retag'), { since: 0 }, onChange);
  await until(() => onChange.revs().length === 3, 10_000, 'the first life\'s 3 events');
  const seenTag = watch.lastTag;
  assert.match(seenTag, /^[0-9a-f]{16}$/, 'each change carries its _tag');
  cut = true;
  dropSocket(c);
  // While the client is away, rev 3 comes to name another event (as when a partition's merge dropped
  // the side that wrote the one it saw; here the channel is closed and opened again).
  assert.equal((await api('DELETE', channelPath('retag'))).status, 204);
  await openChannel('retag');
  let current = 0;
  for (let i = 1; i <= 3; i++) current = await fire('retag', 'second life', i);
  assert.equal(current, 3, 'the new channel reached rev 3 again');
  cut = false;
  await until(() => resyncs.length === 1, 15_000, 'the resync');
  assert.deepEqual(resyncs, [{ path: channelPath('retag'), rev: 3 }]);
  const next = await fire('retag', 'live', 4);
  await until(() => onChange.revs().length === 4, 10_000, 'the live event');
  await sleep(200);
  assert.deepEqual(onChange.revs(), [1, 2, 3, next]);
  assert.equal(onChange.seen.at(-1).event, 'live');
  assert.notEqual(watch.lastTag, null);

  // OADA compatibility: a plain x-oada-rev (no tag, as @oada/client sends) resumes as before.
  const plain = client(wsUrls[1], { token: await accessToken('ann') });
  const plainResyncs = [];
  plain.on('resync', (info) => plainResyncs.push(info));
  const replayed = recorder();
  assert.deepEqual(await plain.watch(channelPath('retag'), { since: 3 }, replayed).ready, { rev: next });
  await until(() => replayed.revs().length === 1, 10_000, 'the replay after rev 3');
  assert.deepEqual(plainResyncs, []);
  // With the first life's tag of rev 3, the same resume is refused: a resync from the current rev.
  const tagged = client(wsUrls[2], { token: await accessToken('ann') });
  const taggedResyncs = [];
  tagged.on('resync', (info) => taggedResyncs.push(info));
  tagged.watch(channelPath('retag'), { since: 3, sinceTag: seenTag }, () => {});
  await until(() => taggedResyncs.length === 1, 10_000, 'the sinceTag resync');
  assert.deepEqual(taggedResyncs, [{ path: channelPath('retag'), rev: next }]);
});

test('token refresh: 2 s tokens renewed ahead of expiry; requests, watches and reconnects keep working', options, async () => {
  const startedAt = Date.now();
  await openChannel('short');
  let refreshes = 0;
  const refreshToken = async () => { refreshes++; return accessToken('ann', { ttl: 2 }); };
  const c = client(wsUrls[0], { token: await accessToken('ann', { ttl: 2 }), refreshToken, backoff: { initialMs: 100 } });
  const onChange = recorder();
  await c.watch(channelPath('short'), {}, onChange).ready;
  // Without refresh, the same start: its token is void after 2 s.
  const stale = client(wsUrls[0], { token: await accessToken('ann', { ttl: 2 }), backoff: { initialMs: 100 } });
  const staleClosed = [];
  stale.on('close', (info) => staleClosed.push(info));
  await stale.request('get', channelPath('short'));
  await sleep(3500);
  assert.ok(refreshes >= 1, `refreshToken() was called (${refreshes})`);
  assert.equal((await c.request('get', channelPath('short'))).status, 200, 'a request after the first token expired');
  // The control client's token did expire: its requests fail (today 401; a server that closes
  // connections whose token expired has closed it with 4002, and without refreshToken it gave up).
  if (staleClosed.length === 0) assert.equal((await stale.request('get', channelPath('short'))).status, 401);
  const first = await fire('short', 'e', 1);
  dropSocket(c);
  const second = await fire('short', 'e', 2, 1);
  await until(() => onChange.revs().length === 2, 10_000, 'both events through the reconnect');
  assert.deepEqual(onChange.revs(), [first, second]);
  // The control client cannot reconnect with its expired token and has no way to a new one: it gives up.
  if (stale.socket) dropSocket(stale);
  await until(() => staleClosed.length === 1, 10_000, 'the stale client to give up');
  assert.equal(staleClosed[0].reconnecting, false);
  console.log(`refreshToken() calls in ${((Date.now() - startedAt) / 1000).toFixed(1)} s of 2 s tokens: ${refreshes}`);
});

test('a deleted channel: a delete change ends the watch; heartbeat pings are answered', options, async () => {
  await openChannel('gone');
  const c = client(wsUrls[0], { token: await accessToken('ann'), heartbeatMs: 100 });
  const reconnects = [];
  c.on('reconnect', (info) => reconnects.push(info));
  const onChange = recorder();
  const watch = c.watch(channelPath('gone'), {}, onChange);
  await watch.ready;
  const rev = await fire('gone', 'e', 1);
  await until(() => onChange.seen.length === 1, 10_000, 'the event');
  assert.equal((await api('DELETE', channelPath('gone'))).status, 204);
  await until(() => onChange.seen.length === 2, 10_000, 'the delete change');
  assert.deepEqual(onChange.seen[1], { type: 'delete', rev }, 'with the channel\'s last rev');
  await sleep(1000); // ten heartbeats
  assert.deepEqual(reconnects, [], 'every ping was answered in time');
  dropSocket(c);
  await until(() => reconnects.length === 1, 10_000, 'the reconnect');
  await sleep(300);
  assert.equal(onChange.seen.length, 2, 'the ended watch is not resumed');
});

/** The backend disconnects every connection of `uid` (each is closed with 4000). */
async function disconnect(uid) {
  // Presence is recorded just after a watch's 200 (asynchronously, cluster-wide): look until it is listed.
  let ids = [];
  const deadline = Date.now() + 10_000;
  while (ids.length === 0 && Date.now() < deadline) {
    const { body } = await api('GET', `/v1/vhosts/${vhost}/connections?limit=100`);
    ids = body.data.filter((c) => c.attributes.uid === uid).map((c) => c.id);
    if (ids.length === 0) await sleep(50);
  }
  assert.ok(ids.length > 0, `a connection of ${uid}`);
  for (const id of ids) assert.equal((await api('DELETE', `/v1/vhosts/${vhost}/connections/${id}`)).status, 204);
}

test('4000 (backend disconnect): fatal without a new token; with refreshToken, resumed', options, async () => {
  await openChannel('kick');
  const kicked = client(wsUrls[0], { token: await accessToken('kicked'), backoff: { initialMs: 50 } });
  const closes = [];
  const errors = [];
  kicked.on('close', (info) => closes.push(info));
  kicked.on('error', (e) => errors.push(e));
  await kicked.watch(channelPath('kick'), {}, () => {}).ready;
  await disconnect('kicked');
  await until(() => closes.length === 1, 10_000, 'the 4000 close');
  assert.deepEqual([closes[0].code, closes[0].reconnecting, errors[0]?.code], [4000, false, 4000]);
  await sleep(300);
  assert.equal(kicked.socket, null, 'it did not reconnect');

  // Tokens issued within one second with the same claims are the same string: vary the ttl.
  let ttl = 3600;
  const renewed = client(wsUrls[0], { token: await accessToken('renewed', { ttl }),
    refreshToken: () => accessToken('renewed', { ttl: ++ttl }), backoff: { initialMs: 50 } });
  const onChange = recorder();
  await renewed.watch(channelPath('kick'), {}, onChange).ready;
  const reconnected = new Promise((resolve) => renewed.on('reconnect', resolve));
  await disconnect('renewed');
  const missed = await fire('kick', 'e', 'while out', 1);
  await reconnected;
  await until(() => onChange.revs().includes(missed), 10_000, 'the event fired while it was out');
  assert.deepEqual(onChange.revs(), [missed]);
});

test('presence: join and leave of another uid', options, async () => {
  await openChannel('room');
  const ann = client(wsUrls[0], { token: await accessToken('ann') });
  const onChange = recorder();
  await ann.watch(channelPath('room'), { presence: true }, onChange).ready;
  const bob = client(wsUrls[1], { token: await accessToken('bob') });
  const bobs = bob.watch(channelPath('room'), {}, () => {});
  await bobs.ready;
  await until(() => onChange.seen.some((ch) => ch.type === 'join' && ch.uid === 'bob'), 10_000, 'bob joining');
  await bobs.unwatch();
  await until(() => onChange.seen.some((ch) => ch.type === 'leave' && ch.uid === 'bob'), 10_000, 'bob leaving');
  assert.deepEqual(onChange.seen.filter((ch) => ch.uid === 'bob').map((ch) => ch.type), ['join', 'leave']);
});

test('the README example works as written (its URLs pointed at this cluster)', options, async () => {
  await openChannel('chat');
  const output = await runReadmeExample({
    "'wss://mws1.example.com/v1/ws', 'wss://mws2.example.com/v1/ws'": wsUrls.map((u) => `'${u}'`).join(', '),
    '/my-backend/mws-token': `${httpUrls[0]}/v1/vhosts/${vhost}/token?uid=ann&publish=true&apikey=${backendToken}`,
    '/v1/vhosts/moon/': `/v1/vhosts/${vhost}/`,
  }, (out) => out.includes('1 hello {"text":"hi"}'));
  const lines = output.trim().split('\n');
  assert.equal(lines[0], 'watching from rev 0');
  assert.ok(lines.includes('1 hello {"text":"hi"}'), output);
});

test('node loss: the client moves to the next URL and resumes, no gap, no duplicate', options, async () => {
  await openChannel('loss');
  const c = client(wsUrls, { token: await accessToken('ann'), backoff: { initialMs: 100 } });
  const closes = [];
  c.on('close', (info) => closes.push(info));
  const onChange = recorder();
  await c.watch(channelPath('loss'), {}, onChange).ready;
  const lost = c.url;
  // Fire on another node all along, while the client's node stops under it.
  const firingNode = wsUrls.findIndex((u) => u !== lost);
  let fired = 0;
  let firing = true;
  const firer = (async () => { while (firing) { fired = await fire('loss', 'e', fired + 1, firingNode); await sleep(10); } })();
  await until(() => fired >= 5, 10_000, 'events before the stop');
  const stopStarted = Date.now();
  const resumed = new Promise((resolve) => c.on('reconnect', () => resolve(Date.now() - stopStarted)));
  await stopNode(lost);
  const stopMs = Date.now() - stopStarted;
  await until(() => c.socket?.readyState === 1 && c.url !== lost, 20_000, 'the reconnect to another node');
  const moved = fired;
  await until(() => fired >= moved + 5, 10_000, 'events after the move');
  firing = false;
  await firer;
  await until(() => onChange.revs().length >= fired, 20_000, `${fired} events`);
  await sleep(300);
  assert.deepEqual(onChange.revs(), revs(1, fired));
  assert.equal(closes[0].code, 1012);
  assert.notEqual(c.url, lost);
  console.log(`node loss: ${fired} events, all once, in order; the client was connected again ${await resumed} ms after`
    + ` the stop began; the node took ${stopMs} ms to stop`);
});
