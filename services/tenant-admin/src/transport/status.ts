// GET /status (the reference serves a LiveView page there): what this instance knows, without
// authentication, so nothing tenant-specific: its node, uptime, how many tenants exist, and the
// cluster's connected users and gateways as the usage reports tell (core/connected-users.ts).
// HTML for a browser, JSON with `Accept: application/json`.
import type { RequestHandler } from 'express';
import type { ConnectedUsers } from '../ports.ts';
import type { TenantService } from '../core/tenant-service.ts';
import type { StatusJson } from '../core/api-schemas.ts';

export interface StatusDeps {
  tenants: Pick<TenantService, 'count'>;
  users: ConnectedUsers;
  node: string;
  startedAt: number;
}

export function statusHandler(d: StatusDeps): RequestHandler {
  return async (req, res) => {
    const cluster = d.users.summary();
    const status: StatusJson = {
      service: 'tenant-admin',
      node: d.node,
      uptime_s: Math.floor((Date.now() - d.startedAt) / 1000),
      tenants: await d.tenants.count(),
      gateways: cluster.gateways,
      connected_users: cluster.users,
      tenants_with_users: cluster.tenants,
    };
    res.set('cache-control', 'no-store');
    if (req.accepts(['html', 'json']) === 'json') return void res.json(status);
    res.type('html').send(page(status));
  };
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(s: StatusJson): string {
  const rows: [string, string | number][] = [
    ['Node', s.node], ['Uptime', `${s.uptime_s} s`], ['Tenants', s.tenants], ['Gateways reporting', s.gateways],
    ['Connected users (cluster)', s.connected_users], ['Tenants with users', s.tenants_with_users],
  ];
  return `<!doctype html><html><head><meta charset="utf-8"><title>Realtime status</title>
<meta http-equiv="refresh" content="5"></head><body><h1>Realtime: tenant-admin</h1><table>
${rows.map(([k, v]) => `<tr><th align="left">${escape(k)}</th><td>${escape(String(v))}</td></tr>`).join('\n')}
</table></body></html>\n`;
}
