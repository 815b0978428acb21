// TenantDatabases on node-postgres: one small pool per tenant (rebuilt when its settings change),
// catalog lookups cached for CATALOG_TTL_MS, RLS checks through pg-rls.ts. The short TTL bounds how
// long a newly enabled RLS policy or a revoked column privilege can go unseen; the queries it saves
// would otherwise run for every change.
import pg from 'pg';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { TenantDbSettings } from '@realtime/schemas';
import type { Identity, PolicyExtension, RowKeys, StoredBroadcast, TableInfo, TenantDatabase, TenantDatabases } from '../ports.ts';
import type { Tenant } from '../core/tenant.ts';
import { selectableColumns, visibleKeys, visibleKeysForEach } from './pg-rls.ts';
import { channelRead, channelWrite } from './pg-channel-policies.ts';

const CATALOG_TTL_MS = 1000;
/** Identities checked per round trip (statement text grows with it). */
const RLS_CHUNK = 100;

export interface PgTenantDatabasesOptions {
  poolSize: number;
  log: Logger;
}

export function createPgTenantDatabases(options: PgTenantDatabasesOptions): TenantDatabases {
  const byTenant = new Map<string, { key: string; db: PgTenantDatabase }>();
  return {
    get(tenant: Tenant) {
      if (!tenant.db) return null;
      const key = JSON.stringify(tenant.db);
      const current = byTenant.get(tenant.externalId);
      if (current?.key === key) return current.db;
      void current?.db.close();
      const db = new PgTenantDatabase(tenant.externalId, tenant.db, options);
      byTenant.set(tenant.externalId, { key, db });
      return db;
    },
    async close() {
      await Promise.all([...byTenant.values()].map((e) => e.db.close()));
      byTenant.clear();
    },
  };
}

class Cache<T> {
  readonly #entries = new Map<string, { at: number; value: Promise<T> }>();
  get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    if (hit && Date.now() - hit.at < CATALOG_TTL_MS) return hit.value;
    const value = load();
    this.#entries.set(key, { at: Date.now(), value });
    value.catch(() => this.#entries.delete(key)); // never cache a failure
    return value;
  }
}

const TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS "table", c.relrowsecurity AS rls,
    (SELECT json_agg(json_build_object('name', a.attname, 'type', t.typname) ORDER BY a.attnum)
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
    (SELECT coalesce(json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, NULL)) ORDER BY array_position(i.indkey, a.attnum)), '[]')
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`;

class PgTenantDatabase implements TenantDatabase {
  readonly #pool: pg.Pool;
  readonly #publication: string;
  readonly #tables = new Cache<TableInfo | null>();
  readonly #columns = new Cache<Set<string>>();

  constructor(tenant: string, db: TenantDbSettings, options: PgTenantDatabasesOptions) {
    this.#publication = db.publication;
    this.#pool = new pg.Pool({
      host: db.host, port: db.port, database: db.database, user: db.user, password: db.password,
      max: options.poolSize, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, application_name: 'realtime-gateway',
    });
    this.#pool.on('error', (err) => options.log.warn({ code: ErrorCodes.UnableToConnectToProject, tenant, err: err.message }, 'idle tenant DB connection failed'));
  }

  async publishedTables(schema: string, table: string): Promise<TableInfo[]> {
    const { rows } = await this.#query(
      `${TABLES_SQL} JOIN pg_publication_tables p ON p.schemaname = n.nspname AND p.tablename = c.relname
        WHERE p.pubname = $1 AND ($2 = '*' OR n.nspname = $2) AND ($3 = '*' OR c.relname = $3) ORDER BY 1, 2`,
      [this.#publication, schema, table],
    );
    return rows as TableInfo[];
  }

  table(schema: string, table: string): Promise<TableInfo | null> {
    return this.#tables.get(`${schema}.${table}`, async () => {
      const { rows } = await this.#query(`${TABLES_SQL} WHERE n.nspname = $1 AND c.relname = $2`, [schema, table]);
      return (rows[0] as TableInfo | undefined) ?? null;
    });
  }

  selectableColumns(schema: string, table: string, role: string): Promise<Set<string>> {
    return this.#columns.get(`${schema}.${table}\u0000${role}`, () => this.#with((c) => selectableColumns(c, schema, table, role)).catch((err) => {
      if ((err as { code?: string }).code === '42704') return new Set<string>(); // no such role: it may see nothing
      throw err;
    }));
  }

  /**
   * Identities whose role cannot read the key columns (or does not exist) see nothing and are not
   * asked; the others go in chunks, one round trip each, chunks in parallel over the pool.
   */
  async visibleRows(rows: RowKeys, who: Identity[]): Promise<Array<Set<number>>> {
    const readable = new Map<string, boolean>();
    for (const role of new Set(who.map((w) => w.role))) {
      const cols = await this.selectableColumns(rows.schema, rows.table, role);
      readable.set(role, rows.pk.every((c) => cols.has(c.name)));
    }
    const asked = who.filter((w) => readable.get(w.role));
    const answers = new Map<Identity, Set<number>>();
    const chunks: Identity[][] = [];
    for (let i = 0; i < asked.length; i += RLS_CHUNK) chunks.push(asked.slice(i, i + RLS_CHUNK));
    const results = await Promise.all(chunks.map((chunk) =>
      this.#with((c) => visibleKeysForEach(c, rows, chunk)).catch(() =>
        // One identity's role may lack privileges or not exist: ask one by one, so it sees nothing and the rest are unaffected.
        Promise.all(chunk.map((w) => this.#with((c) => visibleKeys(c, rows, w)).catch(unknownRole(new Set<number>())))))));
    chunks.forEach((chunk, i) => chunk.forEach((w, j) => answers.set(w, results[i]![j]!)));
    return who.map((w) => answers.get(w) ?? new Set<number>());
  }

  channelRead(topic: string, who: Identity, extensions: PolicyExtension[]): Promise<Set<PolicyExtension>> {
    return this.#with((c) => channelRead(c, topic, who, extensions)).catch(unknownRole(new Set<PolicyExtension>()));
  }

  channelWrite(topic: string, who: Identity, extension: PolicyExtension): Promise<boolean> {
    return this.#with((c) => channelWrite(c, topic, who, extension)).catch(unknownRole(false));
  }

  async storedBroadcasts(topic: string, sinceMs: number, limit: number): Promise<StoredBroadcast[]> {
    // inserted_at is a timestamp without time zone from now(): compare in the server's time zone.
    const { rows } = await this.#query(
      `SELECT id::text, coalesce(event, '') AS event, payload::text AS payload_json, binary_payload FROM (
         SELECT * FROM realtime.messages
          WHERE topic = $1 AND private AND extension = 'broadcast' AND inserted_at >= (to_timestamp($2::float8 / 1000) AT TIME ZONE current_setting('TimeZone'))
          ORDER BY inserted_at DESC LIMIT $3) m
       ORDER BY inserted_at`,
      [topic, sinceMs, limit],
    );
    return rows.map((r: { id: string; event: string; payload_json: string | null; binary_payload: Buffer | null }) => ({
      id: r.id, event: r.event, payloadJson: r.payload_json, binary: r.binary_payload ? new Uint8Array(r.binary_payload) : null,
    }));
  }

  close(): Promise<void> {
    return this.#pool.end().catch(() => undefined);
  }

  async #query(text: string, values: unknown[]) {
    return this.#with((c) => c.query(text, values));
  }

  async #with<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw classify(err);
    }
    try {
      return await fn(client);
    } finally {
      client.release();
    }
  }
}

/** A JWT role that is no Postgres role may see and do nothing; every other error goes on. */
const unknownRole = <T>(nothing: T) => (err: unknown): T => {
  if (['42704', '22023'].includes((err as { code?: string }).code ?? '')) return nothing;
  throw err;
};

function classify(err: unknown): RealtimeError {
  const e = err as { code?: string; message?: string };
  const code = e.code === '53300' ? ErrorCodes.DatabaseLackOfConnections : ErrorCodes.UnableToConnectToProject;
  return new RealtimeError(code, e.message ?? String(err), { cause: err, retryable: true });
}
