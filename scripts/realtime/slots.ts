// `realtime slots [tenant]`: each tenant's replication slot, read in its database by tenant-admin
// (GET /api/tenants/:id/replication, docs/PROTOCOL.md §8): active or not, lag in bytes and seconds, and
// the ingest-cdc worker streaming it (its application_name `ingest-cdc@<host>/<pid>` and address).
// Exit 1 when the API or a tenant database cannot be read, so a script sees a broken pipeline.
import type { Command } from 'commander';
import { message, type CliIo } from './io.ts';
import { request, resolveApi } from './tenants.ts';

// One request per tenant, this many at once.
const CONCURRENCY = 8;

export interface SlotOwner { pid: number; application_name: string; client_addr: string | null; client_port: number | null; since: string | null }
export interface TenantSlot {
  tenant: string;
  slot_name: string | null;
  active: boolean;
  lag_bytes: number | null;
  lag_seconds: number | null;
  owner: SlotOwner | null;
  error?: string;
}

interface Replication { db_connected: boolean; error?: string; slots: Array<Omit<TenantSlot, 'tenant'>> }
type Api = ReturnType<typeof resolveApi>;

export function addSlotsCommand(program: Command, io: CliIo, done: (code: number) => void): void {
  program.command('slots').argument('[tenant]', 'one tenant\'s external_id (default: every tenant)')
    .description('Each tenant\'s replication slot: active, lag (bytes, seconds), the ingest-cdc worker that owns it. Exit 1 when a tenant database cannot be read.')
    .option('--url <url>', 'tenant-admin base URL (default: $TENANT_ADMIN_URL, else .realtime/stack.json)')
    .option('--token <jwt>', 'admin token (default: $ADMIN_TOKEN, else .realtime/stack.json)')
    .option('--json', 'print the slots as a JSON array')
    .action(async (tenant: string | undefined, opts: { url?: string; token?: string; json?: boolean }) => {
      const api = resolveApi(io, opts);
      const ids = tenant ? [tenant] : ((await request(api, 'GET', '/api/tenants')).body as { data: Array<{ external_id: string }> }).data.map((t) => t.external_id);
      const slots = await readSlots(api, ids);
      io.out(opts.json ? `${JSON.stringify(slots)}\n` : formatSlots(slots));
      done(slots.some((s) => s.error) ? 1 : 0);
    });
}

/** The slots of `tenants` (a tenant without one gets a row with slot_name null); errors per row. */
export async function readSlots(api: Api, tenants: string[]): Promise<TenantSlot[]> {
  const rows: TenantSlot[][] = new Array(tenants.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < tenants.length; i = next++) rows[i] = await tenantSlots(api, tenants[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tenants.length) }, worker));
  return rows.flat();
}

async function tenantSlots(api: Api, tenant: string): Promise<TenantSlot[]> {
  const none = { tenant, slot_name: null, active: false, lag_bytes: null, lag_seconds: null, owner: null };
  try {
    const { data } = (await request(api, 'GET', `/api/tenants/${encodeURIComponent(tenant)}/replication`)).body as { data: Replication };
    if (!data.db_connected) return [{ ...none, error: `database not readable: ${data.error ?? 'unknown'}` }];
    return data.slots.length === 0 ? [none] : data.slots.map((s) => ({ tenant, ...s }));
  } catch (err) {
    return [{ ...none, error: message(err) }];
  }
}

export function formatSlots(slots: TenantSlot[]): string {
  if (slots.length === 0) return 'no tenants\n';
  const lines = [`${'tenant'.padEnd(20)} ${'state'.padEnd(8)} ${'lag'.padStart(10)} ${'lag s'.padStart(7)}  owner`];
  for (const s of slots) {
    if (s.error) lines.push(`${s.tenant.padEnd(20)} ${'ERROR'.padEnd(8)} ${s.error}`);
    else if (!s.slot_name) lines.push(`${s.tenant.padEnd(20)} ${'no slot'.padEnd(8)}`);
    else lines.push(`${s.tenant.padEnd(20)} ${(s.active ? 'active' : 'INACTIVE').padEnd(8)} ${formatBytes(s.lag_bytes).padStart(10)} ${formatSeconds(s.lag_seconds).padStart(7)}  ${formatOwner(s.owner)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) ((v /= 1024), u++);
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

const formatSeconds = (s: number | null) => (s === null ? '-' : s.toFixed(s < 10 ? 3 : 0));
const formatOwner = (o: SlotOwner | null) => (o ? `${o.application_name || '?'} (pid ${o.pid}${o.client_addr ? `, ${o.client_addr}:${o.client_port}` : ''})` : 'none');
