// A tenant database that looks like a Supabase project to RLS policies (roles anon, authenticated,
// service_role; auth.uid(), auth.role(), auth.jwt()). Used by the local stack's default tenant and
// by the end-to-end tests, so policies written for Supabase are tested unchanged.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase } from './stack.ts';

const sqlDir = join(import.meta.dirname, '../../../infra/postgres');
const ROLES_LOCK = 7_331_002; // advisory lock key; taken in the `postgres` database

async function run(url: string, fn: (c: pg.Client) => Promise<void>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates (or reuses) database `name` and makes it Supabase-like; returns its superuser URL. */
export async function createSupabaseDatabase(superuserUrl: string, name: string): Promise<string> {
  const maintenance = new URL(superuserUrl);
  maintenance.pathname = '/postgres';
  await run(maintenance.toString(), async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [ROLES_LOCK]);
    await c.query(readFileSync(join(sqlDir, 'supabase-roles.sql'), 'utf8'));
  });
  const url = await createDatabase(superuserUrl, name);
  await run(url, (c) => c.query(readFileSync(join(sqlDir, 'supabase-auth.sql'), 'utf8')).then(() => undefined));
  return url;
}
