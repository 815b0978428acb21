// OutboxSource over the control DB. The relay lease is a session advisory lock held by one
// dedicated connection: it dies with that connection, so a crashed leader frees it at once, and
// the same connection LISTENs for the outbox trigger's NOTIFY.
import { ErrorCodes } from '@realtime/errors';
import { createPgClient, type PgClient } from '@realtime/pg';
import type { Logger } from '@realtime/log';
import type { OutboxSource } from '../ports.ts';
import { loadTenant } from './pg-tenant-rows.ts';
import { OUTBOX_CHANNEL } from './pg-migrations.ts';

export const RELAY_LOCK = 72_410_002;

export function createPgOutbox(options: { connectionString: string; log: Logger }): OutboxSource {
  let client: PgClient | null = null;
  let held = false;
  let pending = false;
  const waiters = new Set<() => void>();
  const wakeAll = () => { for (const w of [...waiters]) w(); };

  async function connection(): Promise<PgClient> {
    if (client) return client;
    const c = createPgClient({ connectionString: options.connectionString }, { applicationName: 'tenant-admin-outbox-relay' });
    c.on('error', (err) => {
      options.log.warn({ code: ErrorCodes.UnableCheckoutConnection, err: err.message }, 'outbox relay connection lost');
      if (client === c) { client = null; held = false; }
      wakeAll();
    });
    c.on('notification', () => { pending = true; wakeAll(); });
    await c.connect();
    client = c;
    return c;
  }

  function leader(): PgClient {
    if (!client || !held) throw new Error('outbox relay lease lost');
    return client;
  }

  return {
    async acquire() {
      if (held && client) return true;
      const c = await connection();
      const { rows } = await c.query('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK]);
      if (!rows[0].ok) return false;
      await c.query(`LISTEN ${OUTBOX_CHANNEL}`);
      held = true;
      pending = true; // whatever was written while nobody listened
      return true;
    },
    async next(limit) {
      pending = false;
      const { rows } = await leader().query('SELECT id, tenant_external_id FROM _realtime.outbox ORDER BY id LIMIT $1', [limit]);
      return rows.map((r) => ({ id: String(r.id), tenantExternalId: r.tenant_external_id as string }));
    },
    load: (externalId) => loadTenant(leader(), externalId),
    async ack(ids) {
      await leader().query('DELETE FROM _realtime.outbox WHERE id = ANY($1::bigint[])', [ids]);
    },
    wait(ms) {
      if (pending || !held) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => { clearTimeout(timer); waiters.delete(done); resolve(); };
        const timer = setTimeout(done, ms);
        waiters.add(done);
      });
    },
    async release() {
      const c = client;
      client = null;
      held = false;
      wakeAll();
      if (c) await c.end().catch(() => {});
    },
  };
}
