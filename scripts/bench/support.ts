// What every benchmark does before measuring: a tenant made through the management API on a
// Supabase-like database, with limits raised out of the way (benchmarks measure throughput, not
// throttling), and HS256 tokens.
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { waitForTenant, type Stack } from '@realtime/testing/stack';
import { createSupabaseDatabase } from '@realtime/testing/supabase-db';

export const sign = (secret: string, claims: object) =>
  new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(new TextEncoder().encode(secret));

export interface BenchTenant {
  tenant: string;
  secret: string;
  dbUrl: URL;
}

export async function createBenchTenant(stack: Stack, pgUrl: string, fields: Record<string, unknown> = {}): Promise<BenchTenant> {
  const tenant = `bench${randomBytes(3).toString('hex')}`;
  const secret = randomBytes(16).toString('hex');
  const dbUrl = new URL(await createSupabaseDatabase(pgUrl, `${tenant}_db`));
  const res = await fetch(`${stack.admin.url}/api/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await sign(stack.apiJwtSecret, {})}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: {
      name: tenant, external_id: tenant, jwt_secret: secret, max_concurrent_users: 1_000_000, max_joins_per_second: 1_000_000,
      max_events_per_second: 1_000_000, max_presence_events_per_second: 1_000_000, max_bytes_per_second: 1_000_000_000, ...fields,
      extensions: [{ type: 'postgres_cdc_rls', settings: { db_host: dbUrl.hostname, db_port: dbUrl.port, db_name: dbUrl.pathname.slice(1), db_user: 'postgres', db_password: 'postgres', region: 'local' } }],
    } }),
  });
  if (res.status !== 201) throw new Error(`tenant: ${res.status} ${await res.text()}`);
  await waitForTenant(stack, tenant);
  return { tenant, secret, dbUrl };
}

/** Resolves once the channel is SUBSCRIBED; rejects on any other status but CLOSED. */
export function subscribed(ch: RealtimeChannel): Promise<void> {
  return new Promise((resolve, reject) =>
    ch.subscribe((status, err) => {
      if (status === 'SUBSCRIBED') resolve();
      else if (status !== 'CLOSED') reject(err ?? new Error(status));
    }));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
