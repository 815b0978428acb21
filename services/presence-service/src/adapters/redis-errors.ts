// ioredis errors become catalog codes here, once (docs/STYLE.md §5), from @realtime/redis's
// classification. Connection trouble, timeouts and a server that is loading, failing over or
// read-only are RedisUnavailable (retry later); any other error reply means our commands are
// wrong for the data (e.g. WRONGTYPE): not worth retrying, and neither is a stored value our
// code cannot read.
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { classifyRedisError } from '@realtime/redis';

export function toRedisError(err: unknown, message: string, details?: Record<string, unknown>): RealtimeError {
  if (err instanceof RealtimeError) return err;
  // our own code failing on the data (a stored value that does not parse): the same every time
  if (err instanceof SyntaxError || err instanceof TypeError || err instanceof RangeError) {
    return new RealtimeError(ErrorCodes.UnknownError, `${message}: ${err.message}`, { cause: err, details });
  }
  const { retryable, reason } = classifyRedisError(err);
  if (!retryable) return new RealtimeError(ErrorCodes.UnknownError, `${message}: ${reason}`, { cause: err, details });
  return new RealtimeError(ErrorCodes.RedisUnavailable, `${message}: ${reason}`, { cause: err, details, retryable: true });
}
