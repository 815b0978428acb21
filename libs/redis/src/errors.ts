// Classifies ioredis failures once, for every service: connection trouble, timeouts and a server
// that is loading, failing over or read-only are worth retrying; any other error reply means the
// command is wrong for the data (e.g. WRONGTYPE) and fails the same way every time. Services map
// the kind to a catalog code (libs/errors).

/** Error replies of a server that is busy, loading, failing over or read-only. */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

export type RedisErrorKind = 'unavailable' | 'reply';

export interface RedisErrorClass {
  kind: RedisErrorKind;
  retryable: boolean;
  reason: string;
}

export function classifyRedisError(err: unknown): RedisErrorClass {
  const e = err as { name?: string; message?: string } | null | undefined;
  const reason = e?.message ?? String(err);
  if (e?.name === 'ReplyError' && !TRANSIENT_REPLIES.test(reason)) return { kind: 'reply', retryable: false, reason };
  return { kind: 'unavailable', retryable: true, reason };
}
