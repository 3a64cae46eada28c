// Server CPU per connect+subscribe of one MWS node: N WebSocket upgrades with ?token= (100 uids), each
// sending one WATCH (10 channels) and closing once it is answered, C at a time, after 500 unmeasured
// ones; CPU is the node's utime+stime from /proc/PID/stat. Loopback only. Driven by bench/connect-cpu.sh.
//   node bench/connect-cpu.mjs PORT PID TOKENS_FILE N C [WARM]
// WARM (default 500) unmeasured connects first: 500 leave the JIT compiling through the measured rounds
// (its threads were over half the node's CPU in rounds 2-5, BENCHMARKS.md "Connect + subscribe: where the
// CPU goes"); give 10000 or more for the steady state.
import WebSocket from 'ws';
import fs from 'fs';
const [port, pid, tokensFile, n, c, warm = '500'] = process.argv.slice(2);
const tokens = fs.readFileSync(tokensFile, 'utf8').trim().split('\n');
const N = +n, C = +c;
const ticks = () => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return +f[11] + +f[12]; };
function one(i) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws?token=${tokens[i % tokens.length]}`);
    // A connect or WATCH that hangs counts as failed instead of stalling the round forever.
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('timeout')); }, 10000);
    ws.on('open', () => ws.send(JSON.stringify({ requestId: 'w', method: 'watch', path: `/v1/vhosts/bench/channels/c${i % 10}` })));
    ws.on('message', (m) => { const r = JSON.parse(m); if (r.requestId === 'w' && r.status) { if (r.status !== 200) reject(new Error('watch ' + r.status)); ws.close(); } });
    ws.on('close', () => { clearTimeout(timer); resolve(); });
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}
async function round(count) {
  let next = 0, failed = 0;
  const workers = Array.from({ length: C }, async () => { while (next < count) { const i = next++; try { await one(i); } catch (e) { failed++; } } });
  await Promise.all(workers);
  return failed;
}
await round(+warm); // warm-up (JIT), not measured
for (let r = 1; r <= 5; r++) {
  const t0 = ticks(), w0 = Date.now();
  const failed = await round(N);
  const cpuMs = (ticks() - t0) * 10; // USER_HZ = 100
  console.log(`round ${r}: ${N} connects+watch in ${Date.now() - w0} ms, ${failed} failed, server CPU ${cpuMs} ms = ${(cpuMs / N).toFixed(3)} ms per connect+subscribe`);
}
