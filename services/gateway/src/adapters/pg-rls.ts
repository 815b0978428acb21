// RLS at scale (docs/ARCHITECTURE.md): which rows of a batch of changes may one identity see? One query per
// (table, role, claims) group instead of one per subscriber per change, inside a transaction that
// takes the subscriber's role and JWT claims and is always rolled back. Cost grows with distinct
// identities, not with subscribers.
import pg from 'pg';
import { hasSqlState, SqlState } from '@realtime/pg';

export interface RowBatch {
  schema: string;
  table: string;
  /** Primary-key columns with their Postgres type names (for the array casts). */
  pk: Array<{ name: string; type: string }>;
  /** One entry per changed row: its primary-key values as text, in `pk` order. */
  keys: Array<Array<string | null>>;
  /** The changes' transactions (32-bit xids from the WAL): checked only once they are visible. */
  xids?: number[];
}

/**
 * A statement that returns once every transaction in `xids` is visible to new snapshots, or null.
 * Logical decoding can hand a commit on (and the change reach us through Kafka) before the
 * committing backend has left the list of running transactions: a check in that window finds no
 * row and would hide the change from everyone (or, in a multi-statement check, from some
 * identities only). The wait is server-side and bounded by statement_timeout. The 32-bit xid is
 * widened against the current snapshot's xmax (the WAL is never 2^31 transactions behind).
 */
export function waitVisibleSql(xids: number[] | undefined): string | null {
  const list = [...new Set(xids ?? [])].filter((x) => Number.isInteger(x) && x >= 3 && x < 2 ** 32);
  if (list.length === 0) return null;
  return `DO $$ BEGIN LOOP
    EXIT WHEN NOT EXISTS (SELECT 1 FROM unnest('{${list.join(',')}}'::bigint[]) x, txid_current_snapshot() s
      WHERE NOT txid_visible_in_snapshot(txid_snapshot_xmax(s) - ((txid_snapshot_xmax(s) % 4294967296 - x + 4294967296) % 4294967296), s));
    PERFORM pg_sleep(0.002);
  END LOOP; END $$`;
}

export interface Identity {
  role: string;
  claims: Record<string, unknown>;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
/** Type names as format_type() gives them (from the catalog, never from clients). */
const TYPE_NAME = /^[a-z_"][a-z0-9_ ."]*(\[\])?$/i;

/**
 * Indexes (into `batch.keys`) of the rows `who` may SELECT right now. Keys go in as typed arrays
 * and come back by ordinality, so values whose text forms differ (9.5 vs 9.50) still match.
 */
export async function visibleKeys(client: pg.PoolClient | pg.Client, batch: RowBatch, who: Identity): Promise<Set<number>> {
  if (batch.keys.length === 0) return new Set();
  for (const c of batch.pk) if (!TYPE_NAME.test(c.type)) throw new Error(`unexpected column type ${c.type}`);
  const cols = batch.pk.map((c) => ident(c.name));
  const keyCols = batch.pk.map((_, i) => `k${i}`);
  const unnest = batch.pk.map((c, i) => `$${i + 1}::${c.type}[]`).join(', ');
  const sql = `WITH k AS MATERIALIZED (SELECT * FROM unnest(${unnest}) WITH ORDINALITY AS u(${keyCols.join(', ')}, ord))
    SELECT k.ord FROM k CROSS JOIN LATERAL (SELECT 1 FROM ${ident(batch.schema)}.${ident(batch.table)} t WHERE ${cols.map((c, i) => `t.${c} = k.${keyCols[i]}`).join(' AND ')} LIMIT 1) hit`;
  const params = batch.pk.map((_, i) => batch.keys.map((k) => k[i]));
  const claims = JSON.stringify(who.claims);
  await client.query('BEGIN');
  try {
    const wait = waitVisibleSql(batch.xids);
    if (wait) await client.query(wait);
    await client.query(`SET LOCAL ROLE ${ident(who.role)}`);
    await client.query(
      `SELECT set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', coalesce($1::jsonb->>'sub', ''), true),
              set_config('request.jwt.claim.role', $2, true)`,
      [claims, who.role],
    );
    const { rows } = await client.query({ text: sql, values: params, rowMode: 'array' });
    return new Set(rows.map((r: string[]) => Number(r[0]) - 1));
  } catch (err) {
    // No SELECT privilege on the table or its key: the role sees none of these rows (the caller
    // sends the reference's "Error 401: Unauthorized" form after checking column privileges).
    if (hasSqlState(err, SqlState.InsufficientPrivilege)) return new Set();
    throw err;
  } finally {
    await client.query('ROLLBACK');
  }
}

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * The same for many identities in ONE round trip and ONE plan: the keys and the identities go into
 * transaction-local settings, then a DO block loops over the identities, switching role (only when
 * it changes; SET ROLE is checked against the session user, so it can switch again) and claims, and
 * runs the same static SELECT for each. PL/pgSQL prepares that SELECT once and reuses its plan for
 * every identity (Postgres plans again by itself when the role changes, RLS plans depend on it),
 * where one statement per identity parsed and planned each of them: 1,000 identities cost one
 * plan, not 1,000 (SET LOCAL plan_cache_mode: Postgres 12 or later). The answers come back through a setting, read after the block. If any
 * statement fails (for example a role without SELECT on the table), the caller falls back to one
 * call per identity.
 */
export async function visibleKeysForEach(client: pg.PoolClient | pg.Client, batch: RowBatch, who: Identity[]): Promise<Array<Set<number>>> {
  if (batch.keys.length === 0 || who.length === 0) return who.map(() => new Set());
  for (const c of batch.pk) if (!TYPE_NAME.test(c.type)) throw new Error(`unexpected column type ${c.type}`);
  const body = forEachBlock(batch);
  // The block's quote tag must not occur in it: identifiers are the tenant's (a table may be named "x$q$").
  let tag = '$q$';
  for (let n = 0; body.includes(tag); n++) tag = `$q${n}$`;
  const identities = who.map((w) => [w.role, JSON.stringify(w.claims), typeof w.claims.sub === 'string' ? w.claims.sub : '']);
  const wait = waitVisibleSql(batch.xids);
  const parts = [
    // A custom plan would be made again for every identity (its estimate for one key beats the
    // generic plan's): the generic plan is what makes the loop cost one plan (8x at 1,000 identities).
    'BEGIN', ...(wait ? [wait] : []), 'SET LOCAL plan_cache_mode = force_generic_plan',
    `SELECT set_config('realtime.rls_keys', ${literal(JSON.stringify(batch.keys))}, true), set_config('realtime.rls_who', ${literal(JSON.stringify(identities))}, true)`,
    `DO ${tag}${body}${tag}`,
    `SELECT current_setting('realtime.rls_out') AS out`,
    'ROLLBACK',
  ];
  try {
    const results = (await client.query(parts.join(';\n'))) as unknown as pg.QueryResult[];
    const out = (results.at(-2)!.rows[0] as { out: string }).out.split(';');
    return who.map((_, i) => new Set(out[i] ? out[i]!.split(',').map((ord) => Number(ord) - 1) : []));
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/**
 * The DO block's body: the keys parsed once into typed arrays, then per identity its role, claims
 * and the visible ordinals (as text, ';' between identities, ',' between ordinals).
 */
function forEachBlock(batch: RowBatch): string {
  const arrays = batch.pk.map((c, i) => `rk${i} ${c.type}[]`);
  const fill = batch.pk.map((c, i) => `array_agg((e->>${i})::${c.type} ORDER BY ord)`).join(', ');
  const into = batch.pk.map((_, i) => `rk${i}`).join(', ');
  const keyCols = batch.pk.map((_, i) => `k${i}`);
  const match = batch.pk.map((c, i) => `t.${ident(c.name)} = k.k${i}`).join(' AND ');
  // As in visibleKeys: the keys MATERIALIZED as plain typed columns, one LATERAL ... LIMIT 1 each,
  // so the lookups go through the primary key and the policy runs on the changed rows only.
  return `DECLARE ${arrays.join('; ')}; who jsonb := current_setting('realtime.rls_who')::jsonb; w jsonb; prev text; hits text; res text[] := '{}';
BEGIN
  SELECT ${fill} INTO ${into} FROM jsonb_array_elements(current_setting('realtime.rls_keys')::jsonb) WITH ORDINALITY AS x(e, ord);
  FOR i IN 0 .. jsonb_array_length(who) - 1 LOOP
    w := who -> i;
    IF prev IS DISTINCT FROM w ->> 0 THEN
      EXECUTE format('SET LOCAL ROLE %I', w ->> 0);
      prev := w ->> 0;
    END IF;
    PERFORM set_config('request.jwt.claims', w ->> 1, true), set_config('request.jwt.claim.sub', w ->> 2, true), set_config('request.jwt.claim.role', w ->> 0, true);
    WITH k AS MATERIALIZED (SELECT * FROM unnest(${into}) WITH ORDINALITY AS u(${keyCols.join(', ')}, ord))
    SELECT string_agg(k.ord::text, ',') INTO hits FROM k CROSS JOIN LATERAL (SELECT 1 FROM ${ident(batch.schema)}.${ident(batch.table)} t WHERE ${match} LIMIT 1) hit;
    res := res || coalesce(hits, '');
  END LOOP;
  PERFORM set_config('realtime.rls_out', array_to_string(res, ';'), true);
END`;
}

/** Columns of a table the role may SELECT (column privileges, docs/PROTOCOL.md §6 step 1). */
export async function selectableColumns(client: pg.PoolClient | pg.Client, schema: string, table: string, role: string): Promise<Set<string>> {
  const { rows } = await client.query(
    `SELECT attname FROM pg_attribute WHERE attrelid = format('%I.%I', $1::text, $2::text)::regclass AND attnum > 0 AND NOT attisdropped
       AND has_column_privilege($3::text, attrelid, attnum, 'SELECT')`,
    [schema, table, role],
  );
  return new Set(rows.map((r: { attname: string }) => r.attname));
}
