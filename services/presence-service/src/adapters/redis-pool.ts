// A few dedicated Redis connections. WATCH belongs to a connection, so each optimistic transaction
// (WATCH … MULTI/EXEC) holds one connection to itself while channels are applied concurrently.
import { createRedisClient, RedisTimeoutProfiles, type RedisClient, type RedisTarget } from '@realtime/redis';
import { ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';

export interface RedisPool {
  use<T>(fn: (conn: RedisClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createRedisPool(target: RedisTarget, size: number, log: Logger, commandTimeout: number = COMMAND_TIMEOUT_MS): RedisPool {
  const all = Array.from({ length: Math.max(1, size) }, () => connect(target, log, commandTimeout));
  const free = [...all];
  const waiting: ((conn: RedisClient) => void)[] = [];
  const release = (conn: RedisClient) => {
    const next = waiting.shift();
    if (next) next(conn);
    else free.push(conn);
  };
  return {
    async use(fn) {
      const conn = free.pop() ?? (await new Promise<RedisClient>((resolve) => waiting.push(resolve)));
      try {
        return await fn(conn);
      } finally {
        release(conn);
      }
    },
    async close() {
      await Promise.all(all.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/**
 * A client that fails a command after a few reconnect attempts instead of queueing it for long,
 * and after the batch profile's command timeout when Redis hangs without closing the connection
 * (libs/redis timeouts.ts). Errors are logged once per outage, not on every reconnect attempt.
 */
const COMMAND_TIMEOUT_MS = RedisTimeoutProfiles.batch.commandMs;

export function connect(target: RedisTarget, log: Logger, commandTimeout: number = COMMAND_TIMEOUT_MS): RedisClient {
  const redis = createRedisClient(target, { maxRetriesPerRequest: 3 }, { ...RedisTimeoutProfiles.batch, commandMs: commandTimeout });
  let down = false;
  redis.on('ready', () => void (down = false));
  redis.on('error', (err) => {
    if (!down) log.warn({ code: ErrorCodes.RedisUnavailable, err: String(err) }, 'redis connection error; reconnecting');
    down = true;
  });
  return redis;
}
