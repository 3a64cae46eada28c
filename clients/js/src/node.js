// The MWS client for Node: the global WebSocket where there is one (Node >= 22), else the optional
// peer dependency "ws" (Node 20 has a WebSocket only behind --experimental-websocket).
import { MwsClient } from './client.js';

export * from './index.js';

const NodeWebSocket = globalThis.WebSocket ?? (await import('ws').then((m) => m.default ?? m.WebSocket, () => undefined));

/** Connects to one MWS URL or a list of them (ws://host:port/v1/ws); see README.md. */
export function connect(url, options = {}) {
  return new MwsClient(url, options, options.WebSocket ?? NodeWebSocket);
}
