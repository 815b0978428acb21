// The cluster view, for administrators: polls tenant-admin's GET /api/cluster with the pasted admin
// token and redraws its tables. The token stays in this page's memory only; nothing is stored.
import { setStatus, table } from './dom.js';

const REFRESH_MS = 2000;

export function clusterView(root) {
  const form = root.querySelector('#cluster-form');
  const status = root.querySelector('#cluster-status');
  const out = root.querySelector('#cluster-tables');
  let timer = null;
  form.adminUrl.value = location.origin;

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    const url = `${form.adminUrl.value.replace(/\/+$/, '')}/api/cluster`;
    const token = form.adminToken.value.trim();
    const tick = async () => {
      try {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
        const body = await res.json().catch(() => ({}));
        if (!res.ok) throw new Error(`${res.status} ${body.message ?? res.statusText}`);
        out.replaceChildren(...render(body.data));
        setStatus(status, `Updated ${new Date().toLocaleTimeString()} (every ${REFRESH_MS / 1000} s).`);
      } catch (err) {
        setStatus(status, `Cannot read ${url}: ${err.message}`, true);
      }
      timer = setTimeout(tick, REFRESH_MS);
    };
    void tick();
  });
}

const rate = (n) => n.toFixed(1);

function render(c) {
  return [
    table('Gateways', ['Node', 'Tenants', 'Connections', 'Channels', 'Events/s in', 'Events/s out'],
      c.gateways.map((g) => [g.node, g.tenants, g.connections, g.channels, rate(g.events_in_per_second), rate(g.events_out_per_second)].map(String))),
    table('Tenants', ['Tenant', 'Gateways', 'Connections', 'Channels', 'Events/s in', 'Events/s out', 'Presence events/s', 'Throttled'],
      c.tenants.map((t) => [t.external_id, t.gateways, t.connections, t.channels, rate(t.events_in_per_second), rate(t.events_out_per_second),
        rate(t.presence_events_per_second), t.throttled.length ? `yes (${t.throttled.join(', ')})` : 'no'].map(String))),
    'error' in c.consumer_lag
      ? table('Consumer lag', ['Error'], [[c.consumer_lag.error]])
      : table('Consumer lag (groups that commit)', ['Group', 'Topic', 'Lag (records)'], c.consumer_lag.groups.map((l) => [l.group, l.topic, String(l.lag)])),
    'error' in c.presence
      ? table('Presence members', ['Error'], [[c.presence.error]])
      : table('Presence members', ['Tenant', 'Channels with presence', 'Members'], c.presence.tenants.map((p) => [p.external_id, String(p.channels), String(p.members)])),
    table('Replication slots', ['Tenant', 'Slot', 'Active', 'Lag (bytes)'],
      c.replication.map((r) => [r.external_id, r.slot ?? r.error ?? '', r.slot ? (r.active ? 'yes' : 'no') : '', r.lag_bytes === null ? '' : String(r.lag_bytes)])),
  ];
}
