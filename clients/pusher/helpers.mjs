// Helpers shared by the pusher-js scripts (check.mjs, seams.mjs).
import Pusher from 'pusher-js';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls check() every 25 ms until it holds or ms passed; its last value. */
export const until = async (check, ms = 10000) => {
  for (let waited = 0; !check() && waited < ms; waited += 25) await sleep(25);
  return check();
};

/** Subscribes and resolves with {channel, members} on subscription_succeeded; rejects on subscription_error. */
export const subscribed = (pusher, name) => new Promise((resolve, reject) => {
  const channel = pusher.subscribe(name);
  channel.bind('pusher:subscription_succeeded', (members) => resolve({ channel, members }));
  channel.bind('pusher:subscription_error', (error) => reject(new Error(JSON.stringify(error))));
});

/** A pusher-js client of app `key` on 127.0.0.1:wsPort, plain WebSocket, with `extra` options (auth handlers). */
export const pusherAt = (key, wsPort, extra = {}) => new Pusher(key, {
  cluster: 'mws', wsHost: '127.0.0.1', wsPort, forceTLS: false, enabledTransports: ['ws'], disableStats: true, ...extra,
});
