// Client factory: every Postgres connection of the services is made here, so timeouts and the
// application_name (what pg_stat_activity shows an operator) are set one way.
import pg from 'pg';
import { timeoutOptions, type PgTimeouts } from './timeouts.ts';

/** Where to connect: a URL, or the parts of one (a tenant's settings). */
export type PgTarget =
  | { connectionString: string }
  | { host: string; port: number; database: string; user: string; password?: string; ssl?: pg.ClientConfig['ssl'] };

export interface PgClientOptions extends PgTimeouts {
  applicationName?: string;
}

export interface PgPoolOptions extends PgClientOptions {
  max?: number;
  /** How long an unused pooled connection stays open. */
  idleMs?: number;
}

export function createPgClient(target: PgTarget, options: PgClientOptions = {}): pg.Client {
  return new pg.Client({ ...target, ...timeoutOptions(options), ...appName(options) });
}

export function createPgPool(target: PgTarget, options: PgPoolOptions = {}): pg.Pool {
  const { max, idleMs } = options;
  return new pg.Pool({
    ...target, ...timeoutOptions(options), ...appName(options),
    ...(max !== undefined ? { max } : {}), ...(idleMs !== undefined ? { idleTimeoutMillis: idleMs } : {}),
  });
}

const appName = (o: PgClientOptions) => (o.applicationName !== undefined ? { application_name: o.applicationName } : {});

export type PgClient = pg.Client;
export type PgPool = pg.Pool;
export type PgPoolClient = pg.PoolClient;
/** Anything a query can be sent to. */
export type PgQueryable = pg.Client | pg.Pool | pg.PoolClient;
