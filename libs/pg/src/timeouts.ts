// The one place where a Postgres connection's timeouts get their names and defaults: services
// pass milliseconds by meaning (connect, query, statement, lock), never pg's option names.

export interface PgTimeouts {
  /** Waiting for the TCP connection and the startup handshake. */
  connectMs?: number;
  /** Client side: a query whose reply does not arrive in time is rejected (the server may go on). */
  queryMs?: number;
  /** Server side: statement_timeout, the server cancels the statement (SQLSTATE 57014). */
  statementMs?: number;
  /** Server side: lock_timeout, waiting for a lock fails instead of queueing behind it. */
  lockMs?: number;
  /** Server side: a session left idle inside a transaction is closed (its locks released). */
  idleInTransactionMs?: number;
}

/** What a connection waits for when its caller names no timeout. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

/** pg's option names for the given timeouts; a timeout left out stays pg's default (none). */
export function timeoutOptions(t: PgTimeouts): Record<string, number> {
  const out: Record<string, number> = {};
  if (t.connectMs !== undefined) out.connectionTimeoutMillis = t.connectMs;
  if (t.queryMs !== undefined) out.query_timeout = t.queryMs;
  if (t.statementMs !== undefined) out.statement_timeout = t.statementMs;
  if (t.lockMs !== undefined) out.lock_timeout = t.lockMs;
  if (t.idleInTransactionMs !== undefined) out.idle_in_transaction_session_timeout = t.idleInTransactionMs;
  return out;
}

/** The same bound for connecting and for each reply: a probe or a short job that must not hang. */
export const within = (ms: number): PgTimeouts => ({ connectMs: ms, queryMs: ms });
