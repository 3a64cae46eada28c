// Publish throughput and latency of one MWS node for a vhost with write-behind history and one with
// durableHistory (docs/durability.md): a bounded closed-loop load (CONCURRENCY requests in flight,
// TOTAL events per vhost and kind, after WARMUP unmeasured ones), REST publishes to CHANNELS channels,
// first one event per request, then BATCH events per request (POST /v1/vhosts/{v}/events, items spread
// over the channels; BATCH=0 skips it).
//   node bench/publish-durability.mjs PORT ADMIN_PASSWORD [TOTAL=5000] [CONCURRENCY=32] [CHANNELS=16] [BATCH=20]
// Prints one JSON line per vhost and kind: events/s, requests/s, p50, p99, max (ms, per request). Loopback only.
import { jsonCall } from './http.mjs';
const [port, password, total = 5000, concurrency = 32, channels = 16, batch = 20] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const admin = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64');
const WARMUP = 500;

const call = (method, path, auth, body) => jsonCall(base, method, path, auth, body);

async function vhost(name, durableHistory) {
  const created = await call('POST', '/v1/vhosts', admin,
    { data: { type: 'vhosts', id: name, attributes: { durableHistory } } });
  if (created.status !== 201) throw new Error(`create ${name}: ${created.status}`);
  const token = 'Bearer ' + created.json.data.attributes.token;
  for (let c = 0; c < channels; c++) await call('PUT', `/v1/vhosts/${name}/channels/c${c}`, token);
  return token;
}

const payload = i => ({ i, pad: 'x'.repeat(100) });

/** One event per request: failed counts the requests not answered 202. */
async function single(name, token, i) {
  const fired = await call('POST', `/v1/vhosts/${name}/channels/c${i % channels}/events`, token,
    { data: { type: 'events', attributes: { event: 'e', data: payload(i) } } });
  return fired.status === 202 ? 0 : 1;
}

/** Events i..i+size-1 in one batch request: failed counts the items not accepted. */
async function batched(name, token, i, size) {
  const data = Array.from({ length: size }, (_, k) => ({ type: 'events',
    attributes: { channel: `c${(i + k) % channels}`, event: 'e', data: payload(i + k) } }));
  const fired = await call('POST', `/v1/vhosts/${name}/events`, token, { data });
  return fired.status === 200 ? fired.json.meta.failed : size;
}

/** {@code count} events, {@code size} per request (1: single publishes). */
async function load(name, token, count, size) {
  const latencies = [];
  let next = 0;
  let failed = 0;
  async function worker() {
    while (next < count) {
      const i = next;
      const n = Math.min(size, count - i);
      next += n;
      const started = process.hrtime.bigint();
      failed += n === 1 ? await single(name, token, i) : await batched(name, token, i, n);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const started = Date.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = q => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { events_per_s: Math.round(count / seconds), requests_per_s: Math.round(latencies.length / seconds), p50_ms: +at(0.5).toFixed(2), p99_ms: +at(0.99).toFixed(2),
    max_ms: +latencies[latencies.length - 1].toFixed(2), failed };
}

const suffix = Date.now().toString(36);
for (const durable of [false, true]) {
  const name = (durable ? 'durable-' : 'memory-') + suffix;
  const token = await vhost(name, durable);
  for (const size of Number(batch) > 1 ? [1, Number(batch)] : [1]) {
    await load(name, token, WARMUP, size);
    const result = await load(name, token, Number(total), size);
    console.log(JSON.stringify({ vhost: durable ? 'durableHistory' : 'write-behind', events_per_request: size,
      total: Number(total), concurrency: Number(concurrency), ...result }));
  }
}
