// The seams of MWS's Pusher compatibility, end to end, as PusherSeamsTest asks: the Pusher server SDK
// (npm pusher, from clients/pusher-server) triggers on node A; pusher-js clients (the docs/pusher.md snippet)
// sit on node B and A. Prints one JSON line with what they saw. Usage:
//   node seams.mjs <node A port> <node B port> <vhost (the app key)> <vhost token>
import { createRequire } from 'node:module';
import { backend } from './snippet.mjs';
import { sleep, until, subscribed, pusherAt } from './helpers.mjs';

const PusherServer = createRequire(new URL('../pusher-server/package.json', import.meta.url))('pusher');
const [portA, portB, APP_KEY, VHOST_TOKEN] = process.argv.slice(2);
const { APP_SECRET, sign, connect } = backend(APP_KEY, VHOST_TOKEN);
const sdk = (secret) => new PusherServer({ appId: APP_KEY, key: APP_KEY, secret, host: '127.0.0.1', port: String(portA), useTLS: false });
const server = sdk(APP_SECRET);
const status = (promise) => promise.then((r) => r.status, (e) => e.status ?? String(e));
const result = {};
const clients = [];
const open = (port, user) => {
  const pusher = connect(port, user);
  clients.push(pusher);
  return pusher;
};
/** Records every event of a channel, the pusher: ones left out. */
const record = (channel) => {
  const seen = [];
  channel.bind_global((event, data) => { if (!event.startsWith('pusher')) seen.push({ event, data }); });
  return seen;
};

try {
  // Subscribers on node B (public, private, presence) and alice on node A.
  const reader = open(portB, { id: 'reader' });
  const news = record((await subscribed(reader, 'news')).channel);
  const orders = record((await subscribed(reader, 'private-orders')).channel);
  const alice = open(portA, { id: 'alice', info: { name: 'Alice' } });
  const aliceRoom = await subscribed(alice, 'presence-room');
  const aliceAdded = [];
  aliceRoom.channel.bind('pusher:member_added', (member) => aliceAdded.push(member));
  const bob = open(portB, { id: 'bob', info: { name: 'Bob' } });
  const bobRoom = await subscribed(bob, 'presence-room');
  const room = record(bobRoom.channel);
  const bobMembers = {};
  bobRoom.members.each((member) => { bobMembers[member.id] = member.info; });
  await until(() => aliceAdded.length >= 1);
  result.members = { bobSees: bobMembers, aliceSawAdded: aliceAdded };

  // The SDK on node A: trigger (one and several channels) and triggerBatch.
  result.triggered = [
    await status(server.trigger('news', 'headline', { n: 1 })),
    await status(server.trigger(['news', 'private-orders'], 'multi', 'x')),
    await status(server.triggerBatch([
      { channel: 'private-orders', name: 'b1', data: { k: 1 } },
      { channel: 'presence-room', name: 'b2', data: 'y' },
    ])),
    await status(server.trigger('presence-room', 'announce', { a: 1 })),
  ];
  await until(() => news.length >= 2 && orders.length >= 2 && room.length >= 2);

  // Client events both ways between nodes on the presence channel; nobody gets their own.
  const aliceGot = record(aliceRoom.channel);
  aliceRoom.channel.trigger('client-typing', { from: 'alice' });
  await until(() => room.length >= 3);
  bobRoom.channel.trigger('client-reply', { from: 'bob' });
  await until(() => aliceGot.length >= 1);
  await sleep(300);
  result.received = { news, orders, room, alice: aliceGot };

  // socket_id exclusion: x1 and x2 on node B, x3 on node A; the trigger names x1.
  const xs = [open(portB, {}), open(portB, {}), open(portA, {})];
  const excl = [];
  for (const x of xs) excl.push(record((await subscribed(x, 'excl')).channel));
  result.excludedSocket = xs[0].connection.socket_id;
  result.excludeTriggered = [
    await status(server.trigger('excl', 'skip-x1', { n: 1 }, { socket_id: xs[0].connection.socket_id })),
    await status(server.triggerBatch([{ channel: 'excl', name: 'skip-x2', data: 'b', socket_id: xs[1].connection.socket_id }])),
    await status(server.trigger('excl', 'to-all', 'end')),
  ];
  await until(() => excl.every((seen) => seen.some((e) => e.event === 'to-all')));
  await sleep(200);
  result.exclusion = excl.map((seen) => seen.map((e) => e.event));

  // terminate_connections: carol signed in on node B and on node A, subscribed to nothing.
  const signIn = (port) => {
    const pusher = pusherAt(APP_KEY, port, {
      userAuthentication: { customHandler: ({ socketId }, callback) => {
        const userData = JSON.stringify({ id: 'carol' });
        callback(null, { auth: `${APP_KEY}:${sign(`${socketId}::user::${userData}`)}`, user_data: userData });
      } },
    });
    clients.push(pusher);
    const errors = [];
    pusher.connection.bind('error', (error) => errors.push(error?.data ?? error?.error?.data ?? error));
    pusher.signin();
    return { pusher, errors };
  };
  const carols = [signIn(portB), signIn(portA)];
  await until(() => carols.every((c) => c.pusher.user.user_data != null));
  result.terminate = await status(server.terminateUserConnections('carol'));
  await until(() => carols.every((c) => c.errors.some((e) => e?.code === 4009) && c.pusher.connection.state !== 'connected'));
  await sleep(500); // pusher-js would reconnect now if it took the close for a transient one
  result.terminated = carols.map((c) => ({ errors: c.errors, state: c.pusher.connection.state }));
  result.othersStillConnected = [reader, alice, bob].map((p) => p.connection.state);

  // Bad signatures: the SDK with another secret, a pusher-js subscription signed with another secret.
  result.wrongSecret = await sdk(APP_SECRET.replace(/./, (c) => (c === '0' ? '1' : '0'))).trigger('news', 'x', 1)
    .then((r) => ({ status: r.status }), (e) => ({ status: e.status, body: e.body }));
  const forger = pusherAt(APP_KEY, portB, {
    channelAuthorization: { customHandler: ({ socketId, channelName }, callback) =>
      callback(null, { auth: `${APP_KEY}:${sign(`${socketId}:other-${channelName}`)}` }) },
  });
  clients.push(forger);
  result.forgedSubscription = await subscribed(forger, 'private-orders').then(() => 'subscribed', (error) => JSON.parse(error.message));
} catch (error) {
  result.failure = String(error?.stack ?? error);
} finally {
  for (const client of clients) client.disconnect();
}
console.log(JSON.stringify(result));
process.exit(0);
