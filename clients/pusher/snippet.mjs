// The pusher-js snippet of docs/pusher.md, as written there (only wsHost and wsPort vary), for the scripts
// that drive pusher-js against MWS (check.mjs, seams.mjs): backend(APP_KEY, VHOST_TOKEN) gives its connect()
// and sign().
import crypto from 'node:crypto';
import Pusher from 'pusher-js';

export function backend(APP_KEY, VHOST_TOKEN) {
  // The app secret is the lowercase hex SHA-256 of the vhost token. Sign on your backend, never in a browser.
  const APP_SECRET = crypto.createHash('sha256').update(VHOST_TOKEN).digest('hex');
  const sign = (text) => crypto.createHmac('sha256', APP_SECRET).update(text).digest('hex');

  function connect(wsPort, user) {
    return new Pusher(APP_KEY, {
      cluster: 'mws', // required by pusher-js, unused with wsHost
      wsHost: '127.0.0.1',
      wsPort,
      forceTLS: false,
      enabledTransports: ['ws'],
      disableStats: true,
      channelAuthorization: {
        // Normally an HTTP endpoint of your backend; here the backend is this function.
        customHandler: ({ socketId, channelName }, callback) => {
          if (channelName.startsWith('presence-')) {
            const channelData = JSON.stringify({ user_id: user.id, user_info: user.info });
            callback(null, { auth: `${APP_KEY}:${sign(`${socketId}:${channelName}:${channelData}`)}`, channel_data: channelData });
          } else {
            callback(null, { auth: `${APP_KEY}:${sign(`${socketId}:${channelName}`)}` });
          }
        },
      },
    });
  }
  return { APP_SECRET, sign, connect };
}
