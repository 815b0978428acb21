// One short-lived, time-bounded connection to a tenant database, named so an operator can tell it
// apart in pg_stat_activity (the health probe, the slot reader). Rejects when it cannot connect.
import { createPgClient, within, type PgClient } from '@realtime/pg';
import type { DbTarget } from '../ports.ts';

export async function connectTenantDb(target: DbTarget, applicationName: string, timeoutMs: number): Promise<PgClient> {
  const client = createPgClient(target, { ...within(timeoutMs), applicationName });
  client.on('error', () => {}); // a connection dropped mid-query rejects that query; nothing else to do
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}
