// Control DB schema `_realtime` (docs/PROTOCOL.md §8), as versioned migrations. All pending ones run in one
// transaction under an advisory lock, so instances starting together apply each exactly once.
import type { PgPool } from '@realtime/pg';
import { RECOVERY_DEFAULTS } from '@realtime/schemas';

export const MIGRATION_LOCK = 72_410_001;
export const OUTBOX_CHANNEL = 'realtime_tenant_outbox';

export const migrations: { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE SEQUENCE _realtime.tenant_version_seq;
      CREATE TABLE _realtime.tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text,
        external_id text NOT NULL UNIQUE,
        jwt_secret text,
        jwt_jwks jsonb,
        max_concurrent_users integer NOT NULL DEFAULT 200,
        max_events_per_second integer NOT NULL DEFAULT 100,
        max_joins_per_second integer NOT NULL DEFAULT 500,
        max_channels_per_client integer NOT NULL DEFAULT 100,
        max_bytes_per_second integer NOT NULL DEFAULT 100000,
        max_presence_events_per_second integer NOT NULL DEFAULT 1000,
        max_payload_size_in_kb integer NOT NULL DEFAULT 3000,
        max_client_presence_events_per_window integer,
        client_presence_window_ms integer,
        suspend boolean NOT NULL DEFAULT false,
        private_only boolean NOT NULL DEFAULT false,
        presence_enabled boolean NOT NULL DEFAULT false,
        postgres_cdc_default text NOT NULL DEFAULT 'postgres_cdc_rls',
        migrations_ran integer NOT NULL DEFAULT 0,
        broadcast_adapter text NOT NULL DEFAULT 'gen_rpc',
        feature_flags jsonb NOT NULL DEFAULT '{}',
        reload_seq bigint NOT NULL DEFAULT 0,
        version bigint NOT NULL DEFAULT nextval('_realtime.tenant_version_seq'),
        inserted_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE _realtime.extensions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}',
        tenant_external_id text NOT NULL REFERENCES _realtime.tenants (external_id) ON DELETE CASCADE,
        inserted_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_external_id, type)
      );
      CREATE TABLE _realtime.outbox (
        id bigserial PRIMARY KEY,
        tenant_external_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE FUNCTION _realtime.notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('${OUTBOX_CHANNEL}', ''); RETURN NULL; END $$;
      CREATE TRIGGER outbox_notify AFTER INSERT ON _realtime.outbox
        FOR EACH STATEMENT EXECUTE FUNCTION _realtime.notify_outbox();
    `,
  },
  {
    // POST shutdown gets its own counter, published as TenantSnapshot v2's shutdown_seq.
    version: 2,
    sql: 'ALTER TABLE _realtime.tenants ADD COLUMN shutdown_seq bigint NOT NULL DEFAULT 0',
  },
  {
    // Recovery caps, published as TenantSnapshot v3's max_recovery_events / max_recovery_bytes; existing
    // tenants get the defaults of RECOVERY_DEFAULTS (@realtime/schemas).
    version: 3,
    sql: `ALTER TABLE _realtime.tenants
      ADD COLUMN max_recovery_events integer NOT NULL DEFAULT ${RECOVERY_DEFAULTS.max_recovery_events},
      ADD COLUMN max_recovery_bytes integer NOT NULL DEFAULT ${RECOVERY_DEFAULTS.max_recovery_bytes}`,
  },
];

/** Applies pending migrations; returns the versions it applied (empty when up to date). */
export async function migrate(pool: PgPool): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE SCHEMA IF NOT EXISTS _realtime');
    await client.query(`CREATE TABLE IF NOT EXISTS _realtime.tenant_admin_migrations (
      version integer PRIMARY KEY, inserted_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query('SELECT version FROM _realtime.tenant_admin_migrations')).rows.map((r) => r.version as number));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO _realtime.tenant_admin_migrations (version) VALUES ($1)', [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
