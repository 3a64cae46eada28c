// Watchers held open while nodes join (driven by bench/node-ready.sh): N WebSocket connections to
// 127.0.0.1:PORT with the access tokens in TOKENS_FILE (one a line), each watching channel c(i % C) of
// vhost "bench"; prints "watching N" once every WATCH is answered 200, then holds them until killed.
//   node bench/node-ready.mjs PORT TOKENS_FILE N C
import WebSocket from 'ws';
import fs from 'fs';
const [port, tokensFile, n, c] = process.argv.slice(2);
const tokens = fs.readFileSync(tokensFile, 'utf8').trim().split('\n');
let watching = 0;
for (let i = 0; i < +n; i++) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?token=${tokens[i % tokens.length]}`);
  ws.on('open', () => ws.send(JSON.stringify({ requestId: 'w', method: 'watch', path: `/v1/vhosts/bench/channels/c${i % +c}` })));
  ws.on('message', (m) => {
    const r = JSON.parse(m);
    if (r.requestId !== 'w' || !r.status) return;
    if (r.status !== 200) { console.error(`watch ${i}: ${r.status}`); process.exit(1); }
    if (++watching === +n) console.log(`watching ${watching}`);
  });
  ws.on('error', (e) => { console.error(`watcher ${i}: ${e.message}`); process.exit(1); });
}
