// The MWS admin console (docs/console.md). Plain ES modules, no build step. The admin's Basic
// credentials live in this module's memory only (never in localStorage, sessionStorage or a cookie):
// a reload or "Sign out" forgets them. Every string from the server goes into the page as text
// (textContent), never as HTML, and the Content-Security-Policy forbids inline scripts. Every fetch
// is credentials: 'omit': no cookie goes along, and a 401's Basic challenge does not open the
// browser's own login dialog (it would, and then remember the password, for a same-origin fetch).
import { connect } from './mws.js';

let credentials = null; // "Basic ..." while signed in
let tail = null; // {client, watch} of the live tail, if one runs

const $ = (id) => document.getElementById(id);

/** An element with attributes, event handlers (on*) and children (strings become text nodes). */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

/** A REST call with the admin's credentials: {status, body}; throws with the server's message on an error status. */
async function api(method, path, body, contentType = 'application/json') {
  const headers = { Authorization: credentials, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = contentType;
  const response = await fetch(path, { method, headers, credentials: 'omit',
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (response.status >= 400) {
    const error = parsed?.error ?? parsed?.errors?.[0];
    throw new Error(`${response.status} ${error?.reason ?? ''}: ${error?.message ?? text}`);
  }
  return { status: response.status, body: parsed };
}

const enc = encodeURIComponent;
const vhostPath = (v) => `/v1/vhosts/${enc(v)}`;

function table(columns, rows) {
  return el('table', {}, el('tr', {}, columns.map((c) => el('th', {}, c))),
    rows.map((cells) => el('tr', {}, cells.map((c) => el('td', {}, c)))));
}

function show(title, ...content) {
  const view = $('view');
  view.replaceChildren(el('h2', {}, title), ...content);
  view.hidden = false;
}

function failure(e) {
  return el('p', { class: 'error' }, e.message);
}

async function nodesPage() {
  const { body } = await api('GET', '/v1/nodes?limit=100');
  show('Nodes', table(['node', 'cluster address', 'HTTP port', 'roles', 'version', 'uptime (s)', 'connections', 'watches'],
    body.data.map((n) => [n.id, n.attributes.address, n.attributes.httpPort, (n.attributes.roles ?? []).join(', '),
      n.attributes.version, n.attributes.uptimeSeconds, n.attributes.connections, n.attributes.watches])));
}

async function vhostsPage() {
  const { body } = await api('GET', '/v1/vhosts?limit=100');
  const result = el('div', { id: 'vhost-result' });
  const form = el('form', { id: 'create-vhost', onsubmit: async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const attributes = data.get('historySize') ? { historySize: Number(data.get('historySize')) } : {};
    try {
      const created = await api('POST', '/v1/vhosts', { data: { type: 'vhosts', id: data.get('name'), attributes } });
      await vhostsPage();
      $('vhost-result').replaceChildren(secret(`Vhost ${data.get('name')} created. Its token, shown only now:`,
        created.body.data.attributes.token));
    } catch (err) {
      result.replaceChildren(failure(err));
    }
  } }, el('label', {}, 'Name', el('input', { name: 'name', required: '' })),
  el('label', {}, 'historySize', el('input', { name: 'historySize', type: 'number', min: '1' })),
  el('button', { type: 'submit' }, 'Create vhost'));
  show('Vhosts', table(['vhost', 'created', 'updated'], body.data.map((v) =>
    [el('a', { href: `#/vhosts/${enc(v.id)}` }, v.id), v.attributes.created, v.attributes.updated])), form, result);
}

function secret(text, token) {
  return el('div', {}, el('p', {}, text), el('p', { class: 'secret', id: 'shown-token' }, token));
}

const READ_ONLY = ['name', 'created', 'updated'];

async function vhostPage(v) {
  const [vhost, channels, connections] = await Promise.all([api('GET', vhostPath(v)),
    api('GET', `${vhostPath(v)}/channels?limit=100`), api('GET', `${vhostPath(v)}/connections?limit=100`)]);
  const settings = { ...vhost.body.data.attributes };
  for (const key of READ_ONLY) delete settings[key];
  const message = el('div', { id: 'vhost-message' });
  const editor = el('textarea', { name: 'settings', rows: '6', cols: '50' }, JSON.stringify(settings, null, 2));
  const settingsForm = el('form', { id: 'settings', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api('PUT', vhostPath(v), { data: { type: 'vhosts', attributes: JSON.parse(editor.value) } });
      message.replaceChildren(el('p', {}, 'Settings saved.'));
    } catch (err) {
      message.replaceChildren(failure(err));
    }
  } }, el('label', {}, 'Settings (JSON; an absent one returns to the node default)', editor), el('button', { type: 'submit' }, 'Save settings'));
  const rotate = el('button', { type: 'button', id: 'rotate', onclick: async () => {
    if (!confirm(`Rotate ${v}'s token? The old one and its access tokens stop working at once.`)) return;
    try {
      const { body } = await api('POST', `${vhostPath(v)}/token/rotate`);
      message.replaceChildren(secret('The new vhost token, shown only now:', body.data.attributes.token));
    } catch (err) {
      message.replaceChildren(failure(err));
    }
  } }, 'Rotate the vhost token');
  const channelRows = await Promise.all(channels.body.data.map(async (c) => {
    const one = await api('GET', `${vhostPath(v)}/channels/${enc(c.id)}`).catch(() => null);
    const attributes = one?.body.data.attributes ?? c.attributes;
    return [c.id, attributes.rev ?? 0, attributes.subscribers ?? '?',
      el('button', { type: 'button', class: 'tail', onclick: () => startTail(v, c.id) }, 'Tail')];
  }));
  const connectionRows = connections.body.data.map((c) => [c.id, c.attributes.uid, c.attributes.node,
    (c.attributes.channels ?? []).join(', '), c.attributes.connected,
    el('button', { type: 'button', onclick: async () => {
      try {
        await api('DELETE', `${vhostPath(v)}/connections/${enc(c.id)}`);
        await vhostPage(v);
      } catch (err) {
        message.replaceChildren(failure(err));
      }
    } }, 'Disconnect')]);
  show(`Vhost ${v}`, message, settingsForm, rotate,
    el('h2', {}, 'Channels'), table(['channel', 'rev', 'subscribers', ''], channelRows),
    el('h2', {}, 'Publish'), publishForm(v, message),
    el('h2', {}, 'Live tail'), el('p', { id: 'tail-state' }, 'Choose a channel to tail.'), el('div', { id: 'tail' }),
    el('h2', {}, 'Connections'), table(['connection', 'uid', 'node', 'channels', 'connected', ''], connectionRows));
}

function publishForm(v, message) {
  const form = el('form', { id: 'publish', onsubmit: async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    try {
      const raw = data.get('data');
      const event = { trigger: { event: data.get('event'), data: raw ? JSON.parse(raw) : null } };
      const { body } = await api('POST', `${vhostPath(v)}/channels/${enc(data.get('channel'))}/events`, event);
      message.replaceChildren(el('p', {}, `Published rev ${body.data.attributes.rev}.`));
    } catch (err) {
      message.replaceChildren(failure(err));
    }
  } }, el('label', {}, 'Channel', el('input', { name: 'channel', required: '' })),
  el('label', {}, 'Event', el('input', { name: 'event', required: '' })),
  el('label', {}, 'Data (JSON)', el('textarea', { name: 'data' }, '{}')),
  el('button', { type: 'submit' }, 'Publish'));
  return form;
}

/** A client access token for exactly this channel, issued through the API with the admin's credentials. */
async function channelToken(v, channel) {
  const pattern = channel.replace(/[.]/g, '\\.');
  const { body } = await api('GET', `${vhostPath(v)}/token?uid=console&ttl=600&channels=${enc(pattern)}`);
  return body.token;
}

async function startTail(v, channel) {
  stopTail();
  const lines = $('tail');
  const state = $('tail-state');
  lines.replaceChildren();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const client = connect(`${scheme}://${location.host}/v1/ws`,
    { token: await channelToken(v, channel), refreshToken: () => channelToken(v, channel) });
  client.on('resync', ({ rev }) => lines.append(el('div', {}, `-- events were missed; live from rev ${rev}`)));
  client.on('error', (e) => state.textContent = `Tail error: ${e.message}`);
  const watch = client.watch(`${vhostPath(v)}/channels/${enc(channel)}`, {}, ({ rev, event, data, uid }) => {
    lines.append(el('div', { class: 'tail-event' }, `${rev ?? ''} ${event ?? ''} ${JSON.stringify(data)}${uid ? ` (${uid})` : ''}`));
    lines.scrollTop = lines.scrollHeight;
  });
  tail = { client, watch };
  try {
    const ready = await watch.ready;
    state.textContent = `Tailing ${channel} from rev ${ready?.rev ?? '?'}.`;
    state.dataset.channel = channel;
  } catch (e) {
    state.textContent = `Tail error: ${e.message}`;
  }
}

function stopTail() {
  if (!tail) return;
  // Closing the client rejects what is still pending on it (the unwatch's answer): expected here.
  Promise.resolve(tail.watch.unwatch()).catch(() => {});
  tail.watch.ready?.catch?.(() => {});
  tail.client.close();
  tail = null;
}

async function route() {
  if (!credentials) return;
  stopTail();
  const hash = location.hash || '#/vhosts';
  try {
    if (hash === '#/nodes') await nodesPage();
    else if (hash.startsWith('#/vhosts/')) await vhostPage(decodeURIComponent(hash.slice('#/vhosts/'.length)));
    else await vhostsPage();
  } catch (e) {
    show('Error', failure(e));
  }
}

async function signIn(event) {
  event.preventDefault();
  const form = $('signin');
  const data = new FormData(form);
  const candidate = `Basic ${btoa(`${data.get('user')}:${data.get('password')}`)}`;
  const response = await fetch('/v1/nodes?limit=1',
    { headers: { Authorization: candidate, Accept: 'application/json' }, credentials: 'omit' });
  if (response.status !== 200) {
    const body = await response.json().catch(() => null);
    $('signin-error').textContent = `Sign-in refused (${response.status}): ${body?.error?.message ?? ''}`;
    return;
  }
  credentials = candidate;
  form.reset();
  form.hidden = true;
  $('signin-error').textContent = '';
  $('who').textContent = `signed in as ${data.get('user')}`;
  $('nav').hidden = false;
  await route();
}

function signOut() {
  stopTail();
  credentials = null;
  $('view').replaceChildren();
  $('view').hidden = true;
  $('nav').hidden = true;
  $('signin').hidden = false;
  location.hash = '';
}

$('signin').addEventListener('submit', signIn);
$('signout').addEventListener('click', signOut);
window.addEventListener('hashchange', route);
