// TenantDatabases on node-postgres: one small pool per tenant (rebuilt when its settings change),
// catalog lookups cached for CATALOG_TTL_MS, RLS checks through pg-rls.ts. The short TTL bounds how
// long a newly enabled RLS policy or a revoked column privilege can go unseen; the queries it saves
// would otherwise run for every change.
//
// A tenant database is the tenant's: its policies may sleep, its host may not answer. So every
// use is bounded in time: connecting and waiting for a pooled connection (connectTimeoutMs), each
// statement on the server (statement_timeout), and the whole use on our side (a policy can reset
// its own statement_timeout, a network can swallow the cancel): past statementTimeoutMs plus a
// grace the connection is destroyed and the caller gets QueryCanceled.
import type pg from 'pg';
import { createPgPool, hasSqlState, isStatementError, SqlState } from '@realtime/pg';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { TenantDbSettings } from '@realtime/schemas';
import type { Identity, PolicyExtension, RowKeys, StoredBroadcast, TableInfo, TenantDatabase, TenantDatabases } from '../ports.ts';
import type { Tenant } from '../core/base/tenant.ts';
import { selectableColumns, visibleKeys, visibleKeysForEach } from './pg-rls.ts';
import { channelRead, channelWrite } from './pg-channel-policies.ts';
import { CatalogCache } from './catalog-cache.ts';

const CATALOG_TTL_MS = 1000;
/** Catalog answers kept per tenant and kind (tables; table × role). */
const CATALOG_MAX_ENTRIES = 1000;
/** Identities checked per round trip: one DO block and one plan each (pg-rls.ts); chunks spread a
 *  large batch over the pool's connections (the database's cores): 1,000 identities × 20 rows took
 *  45 ms in chunks of 100, 64 ms in chunks of 250. */
const RLS_CHUNK = 100;

/** How long past the statement timeout our side waits before destroying the connection. */
const CLIENT_GRACE_MS = 1000;

export interface PgTenantDatabasesOptions {
  poolSize: number;
  /** statement_timeout of every session, and (plus a grace) our own deadline for one use. */
  statementTimeoutMs: number;
  /** Connecting, and waiting for a free pooled connection. */
  connectTimeoutMs: number;
  log: Logger;
  /** A query or checkout was cut by a timeout (a metric). */
  onTimeout?: (tenant: string) => void;
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
    release(tenantId) {
      void byTenant.get(tenantId)?.db.close();
      byTenant.delete(tenantId);
    },
    async close() {
      await Promise.all([...byTenant.values()].map((e) => e.db.close()));
      byTenant.clear();
    },
  };
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
  readonly #tenant: string;
  readonly #options: PgTenantDatabasesOptions;
  readonly #publication: string;
  readonly #tables = new CatalogCache<TableInfo | null>(CATALOG_TTL_MS, CATALOG_MAX_ENTRIES);
  readonly #columns = new CatalogCache<Set<string>>(CATALOG_TTL_MS, CATALOG_MAX_ENTRIES);

  constructor(tenant: string, db: TenantDbSettings, options: PgTenantDatabasesOptions) {
    this.#publication = db.publication;
    this.#tenant = tenant;
    this.#options = options;
    this.#pool = createPgPool({ host: db.host, port: db.port, database: db.database, user: db.user, password: db.password }, {
      max: options.poolSize, connectMs: options.connectTimeoutMs, idleMs: 30_000, applicationName: 'realtime-gateway',
      statementMs: options.statementTimeoutMs,
      // Never leave a transaction (and its locks) open in the tenant's database if we stop mid-way.
      idleInTransactionMs: options.statementTimeoutMs * 2,
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
      if (hasSqlState(err, SqlState.UndefinedObject)) return new Set<string>(); // no such role: it may see nothing
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
      this.#with((c) => visibleKeysForEach(c, rows, chunk)).catch((err) => {
        // A timeout or a lost database fails the batch: asking one by one would only multiply the wait.
        if (err instanceof RealtimeError) throw err;
        // One identity's role may lack privileges or not exist: ask one by one, so it sees nothing and the rest are unaffected.
        return Promise.all(chunk.map((w) => this.#with((c) => visibleKeys(c, rows, w)).catch(unknownRole(new Set<number>()))));
      })));
    chunks.forEach((chunk, i) => chunk.forEach((w, j) => answers.set(w, results[i]![j]!)));
    return who.map((w) => answers.get(w) ?? new Set<number>());
  }

  channelRead(topic: string, who: Identity, extensions: PolicyExtension[]): Promise<Set<PolicyExtension>> {
    return this.#with((c) => channelRead(c, topic, who, extensions)).catch(unknownRole(new Set<PolicyExtension>()));
  }

  channelWrite(topic: string, who: Identity, extension: PolicyExtension): Promise<boolean> {
    return this.#with((c) => channelWrite(c, topic, who, extension)).catch(unknownRole(false));
  }

  /** The same question tenant-admin's health probe asks; the LIKE covers SLOT_NAME_SUFFIX variants. */
  async replicationActive(): Promise<boolean> {
    const { rows } = await this.#query(
      `SELECT coalesce(bool_or(active), false) AS active FROM pg_replication_slots
        WHERE slot_name LIKE 'supabase_realtime_replication_slot%' AND database = current_database()`,
      [],
    );
    return (rows[0] as { active: boolean } | undefined)?.active === true;
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
      throw this.#classify(err, this.#pool.totalCount >= this.#options.poolSize);
    }
    let timer: NodeJS.Timeout | undefined;
    let released = false;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        released = true;
        const err = new RealtimeError(ErrorCodes.QueryCanceled, `no answer within ${this.#options.statementTimeoutMs + CLIENT_GRACE_MS} ms`, { retryable: true });
        client.release(err); // destroys the connection: whatever it still runs is abandoned
        reject(err);
      }, this.#options.statementTimeoutMs + CLIENT_GRACE_MS);
    });
    const work = fn(client);
    work.catch(() => undefined); // after the deadline its failure is nobody's
    try {
      return await Promise.race([work, deadline]);
    } catch (err) {
      throw this.#classify(err);
    } finally {
      clearTimeout(timer);
      if (!released) client.release();
    }
  }

  /**
   * Timeouts and connection failures become catalog errors (RealtimeError: the batch fails; a
   * wait for a connection while all of them are busy is IncreaseConnectionPool);
   * SQL errors of the statement itself (privileges, unknown role, a policy's own error) stay as
   * they are, for the callers that treat them per identity.
   */
  #classify(err: unknown, poolFull = false): unknown {
    const e = err as { code?: string; message?: string };
    const timeout = err instanceof RealtimeError ? err.code === ErrorCodes.QueryCanceled
      : e.code === SqlState.QueryCanceled || /timeout exceeded when trying to connect|Connection terminated due to connection timeout/.test(e.message ?? '');
    if (timeout) {
      this.#options.onTimeout?.(this.#tenant);
      // Every pooled connection was busy for the whole wait: the pool, not the database, is short.
      if (poolFull) return new RealtimeError(ErrorCodes.IncreaseConnectionPool, undefined, { cause: err, retryable: true });
      return err instanceof RealtimeError ? err : new RealtimeError(ErrorCodes.QueryCanceled, e.message ?? String(err), { cause: err, retryable: true });
    }
    if (err instanceof RealtimeError || isStatementError(e.code)) return err;
    return classify(err);
  }
}

/** A JWT role that is no Postgres role may see and do nothing; every other error goes on. */
const unknownRole = <T>(nothing: T) => (err: unknown): T => {
  if (hasSqlState(err, SqlState.UndefinedObject) || hasSqlState(err, SqlState.InvalidParameterValue)) return nothing;
  throw err;
};

function classify(err: unknown): RealtimeError {
  const e = err as { code?: string; message?: string };
  const code = e.code === SqlState.TooManyConnections ? ErrorCodes.DatabaseLackOfConnections : ErrorCodes.UnableToConnectToProject;
  return new RealtimeError(code, e.message ?? String(err), { cause: err, retryable: true });
}
