// The channel view: joins one channel with the official RealtimeClient and shows what it sees.
// Everything the client reports (subscribe statuses, join errors, system messages, its own log of
// errors) lands in the message log exactly as the client got it: the page is a client like any app.
import { RealtimeClient } from '@supabase/realtime-js';
import { parseJsonField, setStatus } from './dom.js';
import { messageLog } from './message-log.js';
import { presenceTable } from './presence-table.js';

export function channelView(root, defaults) {
  const form = root.querySelector('#join-form');
  const status = root.querySelector('#channel-status');
  const sendForm = root.querySelector('#send-form');
  const trackForm = root.querySelector('#track-form');
  const log = messageLog(root.querySelector('#log tbody'), root.querySelector('#log-filter'));
  const presence = presenceTable(root.querySelector('#presence-table tbody'), root.querySelector('#presence-count'));
  let session = null;

  root.querySelector('#log-clear').addEventListener('click', () => log.clear());
  prefill(form, defaults, root.querySelector('#use-anon'));

  const setJoined = (joined) => {
    form.querySelector('#join').disabled = joined;
    form.querySelector('#leave').disabled = !joined;
    for (const b of [...sendForm.querySelectorAll('button'), ...trackForm.querySelectorAll('button')]) b.disabled = !joined;
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = Object.fromEntries(new FormData(form));
    localStorage.setItem('inspector.tenant', f.tenant);
    localStorage.setItem('inspector.endpoint', f.endpoint);
    session = join(f, { log, presence, status });
    setJoined(true);
  });
  form.querySelector('#leave').addEventListener('click', async () => {
    await session?.leave();
    session = null;
    presence.show({});
    setJoined(false);
    setStatus(status, 'Left the channel.');
  });
  sendForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const payload = parseJsonField(sendForm.payload.value, 'Payload');
    if (!payload.ok) return setStatus(status, payload.error, true);
    const event = sendForm.event.value;
    const result = await session?.channel.send({ type: 'broadcast', event, payload: payload.value });
    log.add('sent', event, { result, payload: payload.value });
  });
  trackForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const payload = parseJsonField(trackForm.payload.value, 'Track payload');
    if (!payload.ok) return setStatus(status, payload.error, true);
    log.add('track', 'presence', { result: await session?.channel.track(payload.value) });
  });
  root.querySelector('#untrack').addEventListener('click', async () => {
    log.add('untrack', 'presence', { result: await session?.channel.untrack() });
  });
}

function prefill(form, defaults, anonButton) {
  form.tenant.value = localStorage.getItem('inspector.tenant') ?? defaults.tenant ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  form.endpoint.value = localStorage.getItem('inspector.endpoint') ?? `${scheme}://{tenant}.${location.host}/socket`;
  if (!defaults.anonKey) return;
  anonButton.hidden = false;
  anonButton.addEventListener('click', () => { form.token.value = defaults.anonKey; });
}

function join(f, { log, presence, status }) {
  const token = f.token.trim();
  const client = new RealtimeClient(f.endpoint.replaceAll('{tenant}', f.tenant.trim()), {
    params: { apikey: token },
    logger: (kind, msg, data) => { if (kind === 'error' || /error/i.test(msg)) log.add('client', kind, { msg, data }); },
  });
  client.setAuth(token);
  const config = { private: f.private === 'on', broadcast: { self: true, ack: true } };
  if (f.presenceKey) config.presence = { key: f.presenceKey };
  const channel = client.channel(f.channel.trim(), { config });

  if (f.broadcast === 'on') channel.on('broadcast', { event: f.broadcastEvent || '*' }, (m) => log.add('broadcast', m.event, m.payload));
  if (f.presence === 'on') {
    channel.on('presence', { event: 'sync' }, () => presence.show(channel.presenceState()));
    channel.on('presence', { event: 'join' }, ({ key, newPresences }) => log.add('presence', 'join', { key, newPresences }));
    channel.on('presence', { event: 'leave' }, ({ key, leftPresences }) => log.add('presence', 'leave', { key, leftPresences }));
  }
  if (f.changes === 'on') {
    const filter = { event: f.changesEvent, schema: f.schema || 'public', table: f.table || '*' };
    if (f.filter) filter.filter = f.filter;
    channel.on('postgres_changes', filter, (c) => log.add('postgres_changes', c.eventType, c));
  }
  channel.on('system', {}, (m) => log.add(m.status === 'error' ? 'system error' : 'system', m.extension ?? '', m));

  setStatus(status, `Joining ${f.channel} …`);
  channel.subscribe((state, err) => {
    log.add(err ? 'error' : 'status', state, err ? err.message : '');
    setStatus(status, err ? `${state}: ${err.message}${transportHint(err)}` : state, Boolean(err) || state !== 'SUBSCRIBED');
  });
  return {
    channel,
    async leave() {
      await channel.unsubscribe();
      client.disconnect();
      log.add('status', 'LEFT', '');
    },
  };
}

// A token or tenant the gateway refuses is refused at the WebSocket upgrade (docs/PROTOCOL.md §1.2),
// and browsers do not tell a page why an upgrade failed: say where to look instead.
function transportHint(err) {
  if (!/transport/i.test(err.message)) return '';
  return ' (the connection was refused or lost: check the tenant, the endpoint and that the token is signed with the tenant\'s secret and not expired)';
}
