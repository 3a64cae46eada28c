// Drives the real @oada/client 5.3.0 through a WATCH of a whole vhost (docs/websocket.md, "WATCH a vhost")
// and a resume after the node it watched through is killed; prints one JSON line with what it saw, which
// VhostWatchOadaClientTest asserts on. Usage:
//   node vhost-watch.mjs <node to kill> <other node> <client token> <backend token> <vhost> <pid of the node to kill>
// The app keeps the vhost's rev as @oada/client lets it: the 200's x-oada-rev (a JSON object of channel revs),
// each change's body._rev merged in under the channel its resource_id names, and sends it back as `rev`; beside
// it, each channel's last body._tag, sent back in the x-mws-rev-tags header, so that a channel closed and opened
// again while the client is away (asterix here) is resumed in its new lifetime from its first rev.
import { connect } from '@oada/client';

const [killed, other, token, backend, vhost, pid] = process.argv.slice(2);
const path = `/v1/vhosts/${vhost}`;
const result = { changes: [], fired: [], retried: 0 };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const revs = {};
const tags = {};

async function backendCall(domain, method, channelPath, body, status) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const response = await fetch(`${domain}${path}/channels/${channelPath}`, {
      method,
      headers: { authorization: `Bearer ${backend}`, ...(body && { 'content-type': 'application/json' }) },
      body: body && JSON.stringify(body),
    }).catch(() => null);
    if (response?.status === status) return response;
    result.retried++; // while the survivors take over the killed node's partitions: 503, then success
    await sleep(100);
  }
  throw new Error(`could not ${method} ${channelPath}`);
}

async function fire(domain, channel, data) {
  const response = await backendCall(domain, 'POST', `${channel}/events`, { trigger: { event: 'e', data } }, 202);
  result.fired.push(`${channel}:${(await response.json()).data.attributes.rev}`);
}

async function fireRound(domains, round) {
  for (const channel of ['asteroids', 'asterix', 'comets']) {
    await fire(domains[round % domains.length], channel, `${channel}${round}`);
  }
}

function follow(watch) {
  return (async () => {
    for await (const change of watch.changes) {
      const channel = change.resource_id.split('/').pop();
      if (change.path === '') {
        revs[channel] = change.body._rev;
        if (change.body._tag) tags[channel] = change.body._tag; // a close's delete has none: its rev is the last event's
        result.changes.push(`${channel}:${change.type}:${change.body._rev}`);
      } else {
        result.changes.push(`${change.path}:${change.type}:${change.body._rev}`); // a link added or removed
      }
    }
  })().catch((error) => {
    result.watchError ??= String(error);
  });
}

async function until(count) {
  for (let i = 0; i < 200 && result.changes.length < count; i++) await sleep(50);
}

let first;
let second;
try {
  first = await connect({ domain: killed, token, connection: 'ws' });
  const watched = await first.watch({ path });
  result.firstRev = watched.headers['x-oada-rev'];
  Object.assign(revs, JSON.parse(result.firstRev));
  void follow(watched);
  for (let round = 1; round <= 3; round++) await fireRound([killed, other], round);
  await until(6);
  result.beforeKill = result.changes.length;

  process.kill(Number(pid), 'SIGKILL');
  for (let round = 4; round <= 5; round++) await fireRound([other], round); // while the client is away
  // asterix closed and opened again while the client is away; its new lifetime passes the rev the client holds.
  await backendCall(other, 'DELETE', 'asterix', null, 204);
  await backendCall(other, 'PUT', 'asterix', null, 201);
  for (let i = 1; i <= 4; i++) await fire(other, 'asterix', `asterix-new${i}`);
  const since = JSON.stringify(revs);
  result.resumedFrom = since;
  result.resumedTags = JSON.stringify(tags);

  second = await connect({ domain: other, token, connection: 'ws' });
  const resumed = await second.watch({ path, rev: since, headers: { 'x-mws-rev-tags': result.resumedTags } });
  result.secondRev = resumed.headers['x-oada-rev'];
  void follow(resumed);
  await fireRound([other], 6); // live
  await until(16);
  await sleep(500); // anything twice would arrive by now
} catch (error) {
  result.failure = String(error?.stack ?? error);
} finally {
  console.log(JSON.stringify(result));
  if (second) await second.disconnect();
  process.exit(0);
}
