// Drives the real @oada/client 5.3.0 against an MWS node and prints one JSON line with what it saw;
// OadaClientTest asserts on it. Usage:
//   node check.mjs http://127.0.0.1:PORT <client token with publish> /v1/vhosts/V/channels/C <resume rev>
import { connect } from '@oada/client';

const [domain, token, channel, resumeRev] = process.argv.slice(2);
const result = {};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const revOf = (change) => change.body._rev;

const client = await connect({ domain, token, connection: 'ws' });
try {
  const got = await client.get({ path: channel });
  result.get = { status: got.status, rev: got.headers['x-oada-rev'], id: got.data?.data?.id };

  const posted = await client.post({
    path: `${channel}/events`,
    data: { trigger: { event: 'from-oada', data: { n: 1 } } },
  });
  result.post = { status: posted.status, rev: posted.data?.data?.attributes?.rev };

  const watch = await client.watch({ path: channel, rev: Number(resumeRev) });
  result.watch = { status: watch.status, rev: watch.headers['x-oada-rev'] };
  const received = [];
  const events = [];
  const collecting = (async () => {
    for await (const change of watch.changes) {
      received.push(revOf(change));
      events.push(change.body.event);
    }
  })();

  const replayUntil = Number(result.post.rev);
  for (let i = 0; i < 100 && received.length < replayUntil - Number(resumeRev); i++) await sleep(50);
  result.replayed = [...received];

  await client.post({ path: `${channel}/events`, data: { trigger: { event: 'live', data: 2 } } });
  for (let i = 0; i < 100 && received.length <= result.replayed.length; i++) await sleep(50);
  result.live = received.slice(result.replayed.length);
  result.events = [...events];

  const unwatched = await client.unwatch(watch.requestId);
  result.unwatch = { status: unwatched.status };
  const before = received.length;
  await client.post({ path: `${channel}/events`, data: { trigger: { event: 'after-unwatch', data: 3 } } });
  await sleep(300);
  result.afterUnwatch = received.slice(before);
  void collecting;

  try {
    await client.get({ path: `${channel}-missing` });
    result.missing = { status: 200 };
  } catch (error) {
    result.missing = { status: error.status ?? Number(error.code), reason: error.data?.error?.reason };
  }
} catch (error) {
  result.failure = String(error?.stack ?? error);
} finally {
  console.log(JSON.stringify(result));
  await client.disconnect();
  process.exit(0);
}
