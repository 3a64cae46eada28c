// Holds W WebSocket watchers open on one MWS node (each WATCHes one of 10 channels, token i % 100), then
// sleeps until killed: the idle node's CPU with watchers and nothing published. Driven by bench/idle-cpu.sh.
//   node bench/idle-cpu.mjs PORT TOKENS_FILE W
import WebSocket from 'ws';
import fs from 'fs';
const [port, tokensFile, w] = process.argv.slice(2);
const tokens = fs.readFileSync(tokensFile, 'utf8').trim().split('\n');
let watching = 0, failed = 0;
function one(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?token=${tokens[i % tokens.length]}`);
    ws.on('open', () => ws.send(JSON.stringify({ requestId: 'w', method: 'watch', path: `/v1/vhosts/bench/channels/c${i % 10}` })));
    ws.on('message', (m) => { const r = JSON.parse(m); if (r.requestId === 'w' && r.status) end(r.status === 200); });
    let done = false; const end = (ok) => { if (!done) { done = true; ok ? watching++ : failed++; resolve(); } };
    ws.on('error', () => end(false));
    ws.on('close', (code) => { if (!done) console.log(`closed ${code}`); end(false); });
    setTimeout(() => end(false), 20000);
  });
}
for (let i = 0; i < +w; i += 50) await Promise.all(Array.from({ length: Math.min(50, +w - i) }, (_, k) => one(i + k)));
console.log(`watching ${watching}, failed ${failed}`);
setInterval(() => {}, 1 << 30);
