// Watch one MWS channel over WebSocket and print every change message.
// Usage: node watch.mjs ws://127.0.0.1:8081/v1/ws <access token> /v1/vhosts/moon/channels/asteroids [fromRev]
import WebSocket from 'ws';

const [url, token, path, fromRev] = process.argv.slice(2);
const ws = new WebSocket(url);
ws.on('open', () => {
  const headers = { authorization: `Bearer ${token}` };
  if (fromRev) headers['x-oada-rev'] = fromRev;
  ws.send(JSON.stringify({ requestId: 'w1', method: 'watch', path, headers }));
});
ws.on('message', (frame) => console.log(frame.toString()));
ws.on('close', (code) => { console.log(`closed ${code}`); process.exit(0); });
