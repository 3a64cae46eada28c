// Drives the real Pusher server SDK (npm "pusher") against an MWS node, as PusherHttpApiTest asks.
// Usage: node check.mjs '<plan JSON>'  with plan = {url, appId, secret, skewSeconds?, steps: [...]}.
// Each step is one SDK call; its outcome is printed as the last line, one JSON array of results:
// {status, body} for an answer (body parsed when JSON), {status, error} for a refusal.
import Pusher from "pusher";

const plan = JSON.parse(process.argv[2]);
const url = new URL(plan.url);
const pusher = new Pusher({
  appId: plan.appId, key: plan.appId, secret: plan.secret,
  host: url.hostname, port: url.port, useTLS: false,
});
if (plan.skewSeconds) { // a client whose clock is off: its auth_timestamp is stale
  const realNow = Date.now;
  Date.now = () => realNow() - plan.skewSeconds * 1000;
}

async function run(step) {
  switch (step.op) {
    case "trigger": return pusher.trigger(step.channels, step.event, step.data, step.params);
    case "batch": return pusher.triggerBatch(step.batch);
    case "get": return pusher.get({ path: step.path, params: step.params || {} });
    case "terminate": return pusher.terminateUserConnections(step.user);
    default: throw new Error("unknown op " + step.op);
  }
}

const results = [];
for (const step of plan.steps) {
  try {
    const response = await run(step);
    const text = await response.text();
    let body = text;
    try { body = JSON.parse(text); } catch (e) { /* plain text */ }
    results.push({ status: response.status, body });
  } catch (e) {
    if (e.status === undefined) { results.push({ failure: String(e) }); continue; }
    results.push({ status: e.status, error: e.body });
  }
}
console.log(JSON.stringify(results));
