// The one place where a Redis client's timeouts are set: every service's client takes them from
// a profile here, by what the client is for, never as numbers at its call site. ioredis' own
// defaults are no bound on a command: a Redis that hangs without closing the connection (no RST)
// would hold whatever waits on it for ever.

export interface RedisTimeouts {
  /** Waiting for the TCP connection and the handshake (ioredis `connectTimeout`). */
  connectMs: number;
  /** A command whose reply does not arrive in time is rejected (ioredis `commandTimeout`). */
  commandMs: number;
}

/** Cluster mode: how long a refresh of the slot map may take (ioredis `slotsRefreshTimeout`). */
export const CLUSTER_SLOTS_REFRESH_MS = 2000;

export const RedisTimeoutProfiles = {
  /**
   * A client on a client's path (the gateway: presence snapshots on join, the liveness key): a
   * hanging Redis must not hold a channel's snapshot, and the diffs buffered meanwhile, for long;
   * a failed snapshot is read again on the next heartbeat.
   */
  interactive: { connectMs: 10_000, commandMs: 2000 },
  /**
   * A writer that retries its batch (presence-service): it fails a command after this long, and
   * a command that still lands later is harmless, the replayed batch finds its position applied.
   */
  batch: { connectMs: 10_000, commandMs: 5000 },
} as const satisfies Record<string, RedisTimeouts>;

export type RedisTimeoutProfile = keyof typeof RedisTimeoutProfiles;
