// A tenant database of its own for the replication int tests: table items (id int primary key,
// v text) in publication supabase_realtime, and a connected client that commits synchronously.
import pg from 'pg';
import { uniqueName } from '@realtime/testing';

export async function itemsDatabase(pgUrl: string): Promise<{ url: string; db: pg.Client }> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  const name = uniqueName('tenant');
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = pgUrl.replace(/\/postgres$/, `/${name}`);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  await db.query('SET synchronous_commit = on');
  await db.query('CREATE TABLE items (id int PRIMARY KEY, v text)');
  await db.query('CREATE PUBLICATION supabase_realtime FOR TABLE items');
  return { url, db };
}
