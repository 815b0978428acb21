// SQLSTATE codes the services act on, by name, and their classification: which failures are the
// connection's or the server's (worth a retry) and which are the statement's own (retrying the
// same statement fails the same way). Services map the classes to catalog codes (libs/errors).

/** https://www.postgresql.org/docs/current/errcodes-appendix.html — only the ones we test for. */
export const SqlState = {
  InvalidParameterValue: '22023',
  CheckViolation: '23514',
  InsufficientPrivilege: '42501',
  UndefinedFunction: '42883',
  UndefinedObject: '42704',
  DuplicateObject: '42710',
  DuplicateDatabase: '42P04',
  TooManyConnections: '53300',
  ObjectNotInPrerequisiteState: '55000',
  ObjectInUse: '55006',
  QueryCanceled: '57014',
  AdminShutdown: '57P01',
  CannotConnectNow: '57P03',
} as const;

export type SqlStateName = keyof typeof SqlState;

/** Node's socket error codes that mean the server could not be reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH']);

/** The SQLSTATE (or Node socket code) an error carries, if any. */
export function sqlStateOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export const hasSqlState = (err: unknown, state: string): boolean => sqlStateOf(err) === state;

/** A SQLSTATE of the statement itself, not of the connection (08), resources (53) or an operator (57). */
export const isStatementError = (code: string | undefined): boolean => !!code && /^[0-9A-Z]{5}$/.test(code) && !/^(08|53|57)/.test(code);

export type PgErrorKind = 'unreachable' | 'connection' | 'resources' | 'canceled' | 'operator' | 'statement' | 'unknown';

export interface PgErrorClass {
  kind: PgErrorKind;
  /** The same work may succeed later or elsewhere; false when the statement itself is at fault. */
  retryable: boolean;
  code: string | undefined;
}

/** Sorts any error from pg by its SQLSTATE class (first two characters) or socket code. */
export function classifyPgError(err: unknown): PgErrorClass {
  const code = sqlStateOf(err);
  if (code && UNREACHABLE.has(code)) return { kind: 'unreachable', retryable: true, code };
  if (code === SqlState.QueryCanceled) return { kind: 'canceled', retryable: true, code };
  if (code?.startsWith('08')) return { kind: 'connection', retryable: true, code };
  if (code?.startsWith('53')) return { kind: 'resources', retryable: true, code };
  if (code?.startsWith('57')) return { kind: 'operator', retryable: true, code };
  if (isStatementError(code)) return { kind: 'statement', retryable: false, code };
  return { kind: 'unknown', retryable: true, code };
}
