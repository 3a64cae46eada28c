// Server CPU per connect+subscribe of one MWS node: N WebSocket upgrades with ?token= (100 uids), each
// sending one WATCH (10 channels) and closing once it is answered, C at a time, after 500 unmeasured
// ones; CPU is the node's utime+stime from /proc/PID/stat. Loopback only. Driven by bench/connect-cpu.sh.
//   node bench/connect-cpu.mjs PORT PID TOKENS_FILE N C [WARM] [ROUNDS]
// WARM (default 500) unmeasured connects first: 500, even 10000, leave the JIT compiling through the measured
// rounds; the C2 compiler reaches the connect path after ~50000 (BENCHMARKS.md "Connect CPU and the JIT"):
// give WARM=50000 for the steady state. Each round also prints its CPU per connect by thread group.
import WebSocket from 'ws';
import fs from 'fs';
const [port, pid, tokensFile, n, c, warm = '500', rounds = '5'] = process.argv.slice(2);
const tokens = fs.readFileSync(tokensFile, 'utf8').trim().split('\n');
const N = +n, C = +c;
const statTicks = (path) => { const f = fs.readFileSync(path, 'utf8').split(') ')[1].split(' '); return +f[11] + +f[12]; };
const ticks = () => statTicks(`/proc/${pid}/stat`);
// The node's threads in groups (names as /proc shows them, 15 characters at most): where the CPU goes.
const GROUPS = [['jit', /^C[12] CompilerThre/], ['loops', /^vert\.x-eventloo/], ['gc', /^(G1 |GC Thread)/],
  ['hazelcast', /^hz\./], ['acceptor', /acceptor/], ['workers', /^vert\.x-(worker|internal)/]];
function threadTicks() {
  const byGroup = Object.fromEntries([...GROUPS.map(([g]) => [g, 0]), ['other', 0]]);
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const group = (GROUPS.find(([, re]) => re.test(comm)) || ['other'])[0];
      byGroup[group] += statTicks(`/proc/${pid}/task/${tid}/stat`);
    } catch (e) { /* the thread ended meanwhile; its ticks are in the process's total */ }
  }
  return byGroup;
}
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
const warm0 = ticks(), warmGroups0 = threadTicks();
await round(+warm); // warm-up (JIT), not measured
const warmJit = (threadTicks().jit - warmGroups0.jit) * 10;
console.log(`warm-up of ${warm} done (${new Date().toISOString()}): server CPU ${(ticks() - warm0) * 10} ms, of which JIT ${warmJit} ms`);
for (let r = 1; r <= +rounds; r++) {
  const t0 = ticks(), g0 = threadTicks(), w0 = Date.now();
  const failed = await round(N);
  const cpuMs = (ticks() - t0) * 10; // USER_HZ = 100
  const g1 = threadTicks();
  const groups = Object.keys(g1).map((g) => `${g} ${((g1[g] - g0[g]) * 10 / N).toFixed(3)}`).join(', ');
  console.log(`round ${r} (${new Date().toISOString()}): ${N} connects+watch in ${Date.now() - w0} ms, ${failed} failed, server CPU ${cpuMs} ms = ${(cpuMs / N).toFixed(3)} ms per connect+subscribe (${groups})`);
}
