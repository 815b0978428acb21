// Private channel authorization (docs/PROTOCOL.md §7) the way the reference evaluates it: the tenant's own RLS
// policies on realtime.messages decide, inside a transaction that is always rolled back (so no
// probe row is ever committed, replicated or broadcast). Policies see `topic`, `extension`,
// realtime.topic(), auth.uid(), auth.jwt() and the caller's x- headers as
// current_setting('request.headers', true)::json.
//
// Failures are classified as the reference does: an INSERT that finds no partition of
// realtime.messages for today (check_violation on `messages`) is MissingPartition; any other error
// a statement raises once the identity's role is in force comes from evaluating its policies
// (a policy that raises, a function it calls that fails) and is RlsPolicyError. Timeouts (57…),
// connection (08…) and resource (53…) errors, and failures before the role switch (an unknown
// role, a realtime schema that is not there), are left to the caller as they are.
import pg from 'pg';
import { hasSqlState, isStatementError, SqlState } from '@realtime/pg';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import type { Identity, PolicyExtension } from '../ports.ts';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function asIdentity(client: pg.PoolClient | pg.Client, topic: string, who: Identity): Promise<void> {
  await client.query(`SET LOCAL ROLE ${ident(who.role)}`);
  await client.query(
    `SELECT set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', coalesce($1::jsonb->>'sub', ''), true),
            set_config('request.jwt.claim.role', $2, true), set_config('realtime.topic', $3, true),
            set_config('request.headers', $4, true)`,
    [JSON.stringify(who.claims), who.role, topic, JSON.stringify(who.headers ?? {})],
  );
}

/** Read: probe rows inserted as the owner, then SELECTed as the identity; visible means read. */
export async function channelRead(client: pg.PoolClient | pg.Client, topic: string, who: Identity, extensions: PolicyExtension[]): Promise<Set<PolicyExtension>> {
  await client.query('BEGIN');
  try {
    const { rows: probes } = await client.query(
      `INSERT INTO realtime.messages (topic, extension, private) SELECT $1, e, true FROM unnest($2::text[]) e RETURNING id`,
      [topic, extensions],
    ).catch(missingPartition);
    await asIdentity(client, topic, who);
    const { rows } = await client.query(`SELECT DISTINCT extension FROM realtime.messages WHERE id = ANY($1::uuid[]) AND topic = $2`, [probes.map((r: { id: string }) => r.id), topic])
      .catch(policyError);
    return new Set(rows.map((r: { extension: PolicyExtension }) => r.extension));
  } catch (err) {
    if (hasSqlState(err, SqlState.InsufficientPrivilege)) return new Set(); // no SELECT on realtime.messages at all
    throw err;
  } finally {
    await client.query('ROLLBACK');
  }
}

/** Write: an INSERT as the identity; an RLS or privilege refusal (42501) means no write. */
export async function channelWrite(client: pg.PoolClient | pg.Client, topic: string, who: Identity, extension: PolicyExtension): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await asIdentity(client, topic, who);
    await client.query(`INSERT INTO realtime.messages (topic, extension, private) VALUES ($1, $2, true)`, [topic, extension]).catch(policyError);
    return true;
  } catch (err) {
    if (hasSqlState(err, SqlState.InsufficientPrivilege)) return false;
    throw err;
  } finally {
    await client.query('ROLLBACK');
  }
}

interface PgError { code?: string; table?: string; message?: string }

const isMissingPartition = (e: PgError) => e.code === SqlState.CheckViolation && e.table === 'messages';

/** No partition of realtime.messages takes the probe row (the reference's check_violation on `messages`). */
function missingPartition(err: unknown): never {
  if (isMissingPartition(err as PgError)) throw new RealtimeError(ErrorCodes.MissingPartition, undefined, { cause: err, details: { pg: (err as PgError).message } });
  throw err;
}

/** An error of a statement run as the identity: its policies failed (insufficient privilege is a plain refusal, kept). */
function policyError(err: unknown): never {
  const { code, message } = err as PgError;
  if (isMissingPartition(err as PgError)) missingPartition(err);
  if (code !== SqlState.InsufficientPrivilege && isStatementError(code)) {
    throw new RealtimeError(ErrorCodes.RlsPolicyError, message, { cause: err });
  }
  throw err;
}
