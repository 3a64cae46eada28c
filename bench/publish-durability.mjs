// Publish throughput and latency of one MWS node for a vhost with write-behind history and one with
// durableHistory (docs/durability.md): a bounded closed-loop load (CONCURRENCY requests in flight,
// TOTAL requests per vhost, after WARMUP unmeasured ones), REST publishes to CHANNELS channels.
//   node bench/publish-durability.mjs PORT ADMIN_PASSWORD [TOTAL=5000] [CONCURRENCY=32] [CHANNELS=16]
// Prints one JSON line per vhost: events/s, p50, p99, max (ms). Loopback only.
const [port, password, total = 5000, concurrency = 32, channels = 16] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const admin = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64');
const WARMUP = 500;

async function call(method, path, auth, body) {
  const response = await fetch(base + path, {
    method, headers: { authorization: auth, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function vhost(name, durableHistory) {
  const created = await call('POST', '/v1/vhosts', admin,
    { data: { type: 'vhosts', id: name, attributes: { durableHistory } } });
  if (created.status !== 201) throw new Error(`create ${name}: ${created.status}`);
  const token = 'Bearer ' + created.json.data.attributes.token;
  for (let c = 0; c < channels; c++) await call('PUT', `/v1/vhosts/${name}/channels/c${c}`, token);
  return token;
}

async function load(name, token, count) {
  const latencies = [];
  let next = 0;
  let failed = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      const started = process.hrtime.bigint();
      const fired = await call('POST', `/v1/vhosts/${name}/channels/c${i % channels}/events`, token,
        { data: { type: 'events', attributes: { event: 'e', data: { i, pad: 'x'.repeat(100) } } } });
      if (fired.status !== 202) failed++;
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const started = Date.now();
  await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = q => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { events_per_s: Math.round(count / seconds), p50_ms: +at(0.5).toFixed(2), p99_ms: +at(0.99).toFixed(2),
    max_ms: +latencies[latencies.length - 1].toFixed(2), failed };
}

const suffix = Date.now().toString(36);
for (const durable of [false, true]) {
  const name = (durable ? 'durable-' : 'memory-') + suffix;
  const token = await vhost(name, durable);
  await load(name, token, WARMUP);
  const result = await load(name, token, Number(total));
  console.log(JSON.stringify({ vhost: durable ? 'durableHistory' : 'write-behind', total: Number(total), concurrency: Number(concurrency), ...result }));
}
