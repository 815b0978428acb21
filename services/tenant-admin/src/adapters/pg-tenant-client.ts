// One short-lived connection to a tenant database, bounded in time (connect and every statement),
// for the look-ups tenant-admin makes there: health (pg-tenant-probe.ts) and replication slots
// (pg-replication-slots.ts). Rejects when the database cannot be reached.
import { createPgClient, within } from '@realtime/pg';
import type { DbTarget } from '../ports.ts';

export type TenantClient = ReturnType<typeof createPgClient>;

export async function connectTenant(target: DbTarget, timeoutMs: number, applicationName: string): Promise<TenantClient> {
  const client = createPgClient(target, { ...within(timeoutMs), applicationName });
  client.on('error', () => {}); // a dropped connection surfaces as the failed query instead
  await client.connect();
  return client;
}

export async function endQuietly(client: TenantClient): Promise<void> {
  await client.end().catch(() => {});
}
