// The control DB's migrations against real Postgres: a database left at an older version (a
// deployment being upgraded) gets only what it lacks, and its tenants keep their rows.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createPgPool, type PgPool } from '@realtime/pg';
import { RECOVERY_DEFAULTS } from '@realtime/schemas';
import { uniqueName } from '@realtime/testing';
import { migrate, migrations } from './pg-migrations.ts';

let admin: pg.Client;
let pool: PgPool;
let dbName: string;

beforeAll(async () => {
  const infra = inject('infra');
  dbName = uniqueName('ctl').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  const url = new URL(infra.pgUrl);
  url.pathname = `/${dbName}`;
  pool = createPgPool({ connectionString: url.toString() });
  // DROP DATABASE … WITH (FORCE) below terminates connections pool.end() is still closing.
  pool.on('error', () => {});
});

afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
  await admin?.end();
});

describe('control DB migrations', () => {
  it('upgrades a version-2 database: existing tenants get the default recovery caps, the next run applies nothing', async () => {
    // What a tenant-admin before the recovery caps left behind: migrations 1 and 2, one tenant.
    await pool.query('CREATE SCHEMA _realtime');
    await pool.query('CREATE TABLE _realtime.tenant_admin_migrations (version integer PRIMARY KEY, inserted_at timestamptz NOT NULL DEFAULT now())');
    for (const m of migrations.filter((x) => x.version <= 2)) {
      await pool.query(m.sql);
      await pool.query('INSERT INTO _realtime.tenant_admin_migrations (version) VALUES ($1)', [m.version]);
    }
    await pool.query(`INSERT INTO _realtime.tenants (external_id, name, jwt_secret) VALUES ('old', 'old', 'g1:x')`);

    expect(await migrate(pool)).toEqual(migrations.filter((x) => x.version > 2).map((x) => x.version));
    const { rows } = await pool.query('SELECT max_recovery_events, max_recovery_bytes FROM _realtime.tenants WHERE external_id = $1', ['old']);
    expect(rows).toEqual([RECOVERY_DEFAULTS]);
    expect(await migrate(pool)).toEqual([]);
  });
});
