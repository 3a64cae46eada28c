// Drives the real pusher-js 8.4.0 (and Laravel Echo 2.5.0 over it) against two MWS nodes and prints one JSON line with what it saw;
// PusherClientTest asserts on it. Events are fired through MWS's REST API on node A; subscribers sit
// on node B (and A, for presence and client events). Usage:
//   node check.mjs <node A port> <node B port> <vhost (the app key)> <vhost token>
import crypto from 'node:crypto';
import Echo from 'laravel-echo';
import { backend } from './snippet.mjs';
import { sleep, until, subscribed, pusherAt } from './helpers.mjs';

const [portA, portB, APP_KEY, VHOST_TOKEN] = process.argv.slice(2);
const result = {};

const { sign, connect } = backend(APP_KEY, VHOST_TOKEN);

const rest = async (port, method, path, body) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { Authorization: `Bearer ${VHOST_TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
};
const fire = (channel, event, data) =>
  rest(portA, 'POST', `/v1/vhosts/${APP_KEY}/channels/${channel}/events`, { trigger: { event, data } });
const clients = [];
const open = (port, user) => {
  const pusher = connect(port, user);
  clients.push(pusher);
  return pusher;
};

try {
  // Public channel, subscribed on node B (opened implicitly), events fired on node A.
  const reader = open(portB, { id: 'reader' });
  const news = await subscribed(reader, 'news');
  result.socketId = reader.connection.socket_id;
  const headlines = [];
  news.channel.bind('headline', (data) => headlines.push(data));
  const ticks = [];
  news.channel.bind('tick', (data) => ticks.push(data));
  result.publicFired = [(await fire('news', 'headline', 'plain text')).status,
    (await fire('news', 'headline', { n: 2, tags: ['a'] })).status];
  await until(() => headlines.length >= 2);
  result.public = headlines;

  // Latency, printed (not asserted): REST POST on node A until pusher-js on node B has the event.
  const latencies = [];
  for (let i = 0; i < 20; i++) {
    const before = headlines.length;
    const started = performance.now();
    await fire('news', 'tick', i);
    await until(() => headlines.length > before || ticks.length > i);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  result.latencyMs = { p50: Math.round(latencies[10]), max: Math.round(latencies[19]), n: 20 };

  // Private channel with a signed subscription.
  const orders = await subscribed(reader, 'private-orders');
  const received = [];
  orders.channel.bind('created', (data) => received.push(data));
  await fire('private-orders', 'created', { id: 7 });
  await until(() => received.length >= 1);
  result.private = received;

  // Presence across nodes: alice on A, bob on B, then bob again on A (one member), then bob leaves.
  const alice = open(portA, { id: 'alice', info: { name: 'Alice' } });
  const aliceRoom = await subscribed(alice, 'presence-room');
  const added = [];
  const removed = [];
  aliceRoom.channel.bind('pusher:member_added', (member) => added.push(member));
  aliceRoom.channel.bind('pusher:member_removed', (member) => removed.push(member.id));
  result.aliceFirst = { count: aliceRoom.members.count, me: aliceRoom.members.me };

  const bob = open(portB, { id: 'bob', info: { name: 'Bob' } });
  const bobRoom = await subscribed(bob, 'presence-room');
  const bobSaw = {};
  bobRoom.members.each((member) => { bobSaw[member.id] = member.info; });
  result.bobMembers = { count: bobRoom.members.count, members: bobSaw, me: bobRoom.members.me };
  await until(() => added.length >= 1);

  const bobAgain = open(portA, { id: 'bob', info: { name: 'Bob' } });
  await subscribed(bobAgain, 'presence-room');
  await sleep(500);
  result.added = added;
  result.aliceCountWithBobTwice = aliceRoom.channel.members.count;

  // Client events between nodes: alice (A) -> bob (B) on the presence channel, bob (B) -> reader... on a
  // private channel to a subscriber on A. Nobody receives their own.
  const bobGot = [];
  const aliceGot = [];
  bobRoom.channel.bind('client-typing', (data, meta) => bobGot.push({ data, user_id: meta?.user_id }));
  aliceRoom.channel.bind('client-typing', (data) => aliceGot.push(data));
  result.clientTriggered = aliceRoom.channel.trigger('client-typing', { text: 'hi bob' });
  await until(() => bobGot.length >= 1);
  await sleep(300);
  result.clientToBob = bobGot;
  result.clientBackToAlice = aliceGot;

  const deskA = open(portA, { id: 'desk' });
  const privA = await subscribed(deskA, 'private-desk');
  const privB = await subscribed(bob, 'private-desk');
  const deskGot = [];
  const bobDeskGot = [];
  privA.channel.bind('client-note', (data) => deskGot.push(data));
  privB.channel.bind('client-note', (data) => bobDeskGot.push(data));
  privB.channel.trigger('client-note', 'a plain string');
  await until(() => deskGot.length >= 1);
  await sleep(300);
  result.privateClientEvent = { toOther: [...deskGot], backToSender: [...bobDeskGot] };
  const history = await rest(portA, 'GET', `/v1/vhosts/${APP_KEY}/channels/presence-room/events`);
  result.restHistory = history.body.data.map((e) => ({ event: e.attributes.event, data: e.attributes.data, uid: e.attributes.uid }));

  bob.disconnect();
  bobAgain.disconnect();
  await until(() => removed.length >= 1);
  await sleep(300);
  result.removed = removed;
  result.aliceCountAfter = aliceRoom.channel.members.count;

  // User sign-in: the connection becomes user carol (her client events carry her uid).
  const carol = pusherAt(APP_KEY, portB, {
    userAuthentication: { customHandler: ({ socketId }, callback) => {
      const userData = JSON.stringify({ id: 'carol', user_info: { name: 'Carol' } });
      callback(null, { auth: `${APP_KEY}:${sign(`${socketId}::user::${userData}`)}`, user_data: userData });
    } },
    channelAuthorization: { customHandler: ({ socketId, channelName }, callback) =>
      callback(null, { auth: `${APP_KEY}:${sign(`${socketId}:${channelName}`)}` }) },
  });
  clients.push(carol);
  carol.signin();
  await until(() => carol.user.user_data != null);
  result.signin = carol.user.user_data;
  const carolDesk = await subscribed(carol, 'private-desk');
  carolDesk.channel.trigger('client-note', { from: 'carol' });
  await until(() => deskGot.length >= 2);
  const deskHistory = await rest(portA, 'GET', `/v1/vhosts/${APP_KEY}/channels/private-desk/events`);
  result.signedInSender = deskHistory.body.data.map((e) => e.attributes.uid).at(-1);

  // Laravel Echo over pusher-js, on node B: a private channel's event fired on node A, a presence
  // channel's members (with frank on node A), and a whisper from frank reaching the Echo client.
  const echo = new Echo({ broadcaster: 'pusher', client: open(portB, { id: 'gina', info: { name: 'Gina' } }) });
  const invoices = [];
  echo.private('invoices').listen('.paid', (data) => invoices.push(data));
  const frank = open(portA, { id: 'frank', info: { name: 'Frank' } });
  const frankTeam = await subscribed(frank, 'presence-team');
  let here = null;
  const whispers = [];
  echo.join('team').here((users) => { here = users; }).listenForWhisper('wave', (data) => whispers.push(data));
  await until(() => here !== null && echo.connector.pusher.channel('private-invoices')?.subscribed);
  await fire('private-invoices', 'paid', { invoice: 42 });
  frankTeam.channel.trigger('client-wave', { from: 'frank' });
  await until(() => invoices.length >= 1 && whispers.length >= 1);
  result.echo = { invoices, here: here.map((u) => u.name).sort(), whispers };

  // A signature made with another secret: the subscription is refused.
  const forger = pusherAt(APP_KEY, portB, {
    channelAuthorization: { customHandler: ({ socketId, channelName }, callback) =>
      callback(null, { auth: `${APP_KEY}:${crypto.createHmac('sha256', VHOST_TOKEN).update(`${socketId}:${channelName}`).digest('hex')}` }) },
  });
  clients.push(forger);
  const forgerErrors = [];
  forger.connection.bind('error', (error) => forgerErrors.push(error?.data ?? error));
  result.badSignature = await subscribed(forger, 'private-orders').then(() => 'subscribed', (error) => JSON.parse(error.message));
  await until(() => forgerErrors.length >= 1, 2000);
  result.badSignatureError = forgerErrors[0] ?? null;

  // An app key that is no vhost: pusher:error 4001, and pusher-js gives up.
  const stranger = pusherAt('no-such-app', portB);
  clients.push(stranger);
  const strangerErrors = [];
  stranger.connection.bind('error', (error) => strangerErrors.push(error?.error?.data ?? error?.data ?? error));
  await until(() => strangerErrors.length >= 1 && stranger.connection.state !== 'connecting');
  result.badKey = { error: strangerErrors[0] ?? null, state: stranger.connection.state };
} catch (error) {
  result.failure = String(error?.stack ?? error);
} finally {
  for (const client of clients) client.disconnect();
}
console.log(JSON.stringify(result));
process.exit(0);
