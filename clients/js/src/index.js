// The MWS client for browsers (and any runtime with a global WebSocket). Node: see node.js.
import { MwsClient } from './client.js';

export { MwsClient, MwsError } from './client.js';
export { CLOSE_CODES, closePolicy } from './close-codes.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';

/** Connects to one MWS URL or a list of them (ws://host:port/v1/ws); see README.md. */
export function connect(url, options = {}) {
  return new MwsClient(url, options, options.WebSocket ?? globalThis.WebSocket);
}
