// Classifies replication-connection failures once, here, into catalog codes with `retryable`
// (docs/STYLE.md §5); the supervisor decides retry or give up from that flag alone. Pure: it reads
// only the error's SQLSTATE / socket code and message, so it lives in the core, not an adapter.
import { ErrorCodes, type ErrorCode } from '@realtime/errors';
import { SqlState, sqlStateOf } from '@realtime/pg/sqlstate';

export interface Classified {
  code: ErrorCode;
  retryable: boolean;
  message: string;
}

export function classifyReplicationError(err: unknown): Classified {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  switch (sqlStateOf(err)) {
    case SqlState.ObjectInUse: return { code: ErrorCodes.ReplicationSlotBeingUsed, retryable: true, message };
    case SqlState.TooManyConnections: return { code: ErrorCodes.ReplicationMaxWalSendersReached, retryable: true, message };
    case SqlState.ObjectNotInPrerequisiteState: return { code: ErrorCodes.StartReplicationFailed, retryable: true, message }; // e.g. wal_level not logical
    case 'ECONNREFUSED': case 'ENOTFOUND': case 'ETIMEDOUT': case SqlState.AdminShutdown: case SqlState.CannotConnectNow:
      return { code: ErrorCodes.UnableToConnectToTenantDatabase, retryable: true, message };
  }
  if (/wal_level/i.test(message)) return { code: ErrorCodes.StartReplicationFailed, retryable: true, message };
  if (/terminat|closed|ECONNRESET/i.test(message)) return { code: ErrorCodes.ReplicationConnectionDown, retryable: true, message };
  return { code: ErrorCodes.UnknownError, retryable: true, message };
}
