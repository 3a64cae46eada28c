// REST publishes to one channel of one node, closed loop, for measuring the server's CPU per request
// (bench/rest-publish-cpu.sh reads the CPU; this only sends). Loopback only.
//   node bench/rest-publish.mjs setup PORT ADMIN_PASSWORD      creates vhost "bench" and channel "c"; prints the token
//   node bench/rest-publish.mjs fire PORT TOKEN COUNT [CONCURRENCY=16]
// fire prints {"ok":n,"failed":n,"ms":elapsed}; a failed publish is anything but 202.
import { jsonCall } from './http.mjs';
const [mode, port, secret, count = 5000, concurrency = 16] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;

const call = (method, path, auth, body) => jsonCall(base, method, path, auth, body);

if (mode === 'setup') {
  const admin = 'Basic ' + Buffer.from(`admin:${secret}`).toString('base64');
  const created = await call('POST', '/v1/vhosts', admin, { data: { type: 'vhosts', id: 'bench' } });
  if (created.status !== 201) throw new Error(`create vhost: ${created.status}`);
  const token = 'Bearer ' + created.json.data.attributes.token;
  const opened = await call('PUT', '/v1/vhosts/bench/channels/c', token);
  if (opened.status >= 300) throw new Error(`open channel: ${opened.status}`);
  console.log(token);
} else {
  const total = Number(count);
  let next = 0, ok = 0, failed = 0;
  const body = i => ({ data: { type: 'events', attributes: { event: 'e', data: { i, pad: 'x'.repeat(100) } } } });
  async function worker() {
    while (next < total) {
      const i = next++;
      const fired = await call('POST', '/v1/vhosts/bench/channels/c/events', secret, body(i));
      if (fired.status === 202) ok++; else failed++;
    }
  }
  const started = Date.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  console.log(JSON.stringify({ ok, failed, ms: Date.now() - started }));
}
