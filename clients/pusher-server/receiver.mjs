// A webhook receiver for WebhooksTest: checks each POST with the Pusher SDK's webhook() validation.
// Usage: node receiver.mjs <port> <appId> <secret> <expectedEvents> <failFirst 0|1>
// Listens on 127.0.0.1 only. Answers a valid webhook 200 (the first one 503 when failFirst is 1, so
// the sender must retry), an invalid one 401. Exits once it holds expectedEvents events and 2 s passed
// with no more, or after 90 s; prints {requests, invalid, keys, events} as its last line.
import http from "node:http";
import Pusher from "pusher";

const [port, appId, secret, expected, failFirst] = process.argv.slice(2);
const pusher = new Pusher({ appId, key: appId, secret });
const seen = { requests: 0, invalid: 0, refused: 0, keys: [], events: [] };
let quietTimer;

function finish() {
  console.log(JSON.stringify(seen));
  process.exit(0);
}
setTimeout(finish, 90000);

http.createServer((req, res) => {
  let raw = "";
  req.on("data", (chunk) => { raw += chunk; });
  req.on("end", () => {
    seen.requests++;
    const webhook = pusher.webhook({ headers: req.headers, rawBody: raw });
    if (!webhook.isValid()) {
      seen.invalid++;
      res.writeHead(401).end();
      return;
    }
    if (failFirst === "1" && seen.refused === 0) {
      seen.refused++;
      res.writeHead(503).end();
      return;
    }
    seen.keys.push(req.headers["x-pusher-key"]);
    seen.events.push(...webhook.getEvents());
    res.writeHead(200).end("{}");
    if (seen.events.length >= Number(expected)) {
      clearTimeout(quietTimer);
      quietTimer = setTimeout(finish, 2000);
    }
  });
}).listen(Number(port), "127.0.0.1", () => console.log("listening"));
