// PresenceBackend on Kafka and Redis: commands to realtime.presence.commands (keyed by channel, so
// one presence-service instance owns a channel), snapshots and this node's liveness key in Redis,
// and a reader of realtime.presence.events (each gateway in a group of its own, from the end).
import type { Kafka } from '@realtime/kafka';
import { createAvroProducer, followTopic, orderedBatches, recordKeys } from '@realtime/kafka';
import { createRedisClient, NODE_TTL_MS, presenceKeys, readSnapshot, RedisTimeoutProfiles, type RedisTarget } from '@realtime/presence';
import type { PresenceCommand, PresenceDiff } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { PresenceBackend } from '../ports.ts';

export interface PresenceBackendOptions {
  /** A single server or a Redis Cluster (@realtime/presence createRedisClient). */
  redis: RedisTarget;
  commandsTopic: string;
  eventsTopic: string;
  nodeId: string;
  log: Logger;
  /** A command refused because the queue toward Kafka was full (realtime_presence_commands_dropped_total). */
  onDropped?(): void;
}

// What may wait for Kafka while it is slow or down. Past it a track is answered with an error
// (the client may send it again) and an untrack waits in the hub's bounded leave retries.
const QUEUE_LIMIT = { items: 10_000, bytes: 16 * 1024 * 1024 };

export async function startPresenceBackend(kafka: Kafka, o: PresenceBackendOptions): Promise<PresenceBackend & { stop(): Promise<void> }> {
  // Timeouts of a client on a client's path (libs/redis timeouts.ts): a hanging Redis must not
  // hold a channel's snapshot; a failed snapshot is read again on the next heartbeat.
  const redis = createRedisClient(o.redis, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false }, RedisTimeoutProfiles.interactive);
  redis.on('error', (err) => o.log.warn({ code: ErrorCodes.UnableToHandlePresence, err: err.message }, 'redis connection error'));
  await redis.connect().catch((err) => o.log.warn({ code: ErrorCodes.UnableToHandlePresence, err: String(err) }, 'redis not reachable yet'));
  let deliver: (diff: PresenceDiff) => void = () => {};
  const producer = createAvroProducer(kafka, { idempotent: true });
  await producer.connect();
  const send = orderedBatches((batch: PresenceCommand[]) =>
    producer.send(o.commandsTopic, 'PresenceCommand', batch.map((c) => ({ key: recordKeys.channel(c.tenant, c.private, c.topic), value: c }))), {
    queueLimit: { ...QUEUE_LIMIT, sizeOf: (c) => 256 + (c.meta_json?.length ?? 0), onFull: o.onDropped },
  });
  const events = await followTopic<PresenceDiff>(kafka, {
    topic: o.eventsTopic, schema: 'PresenceDiff', groupId: `gateway-${o.nodeId}-presence`, fromBeginning: false, logger: o.log,
    eachMessage: (_key, value) => void (value && deliver(value)),
  });
  return {
    send,
    snapshot: (channel) => readSnapshot(redis, channel),
    onDiff: (handler) => void (deliver = handler),
    async heartbeat(node) {
      // GET: the previous value tells whether the key had lapsed (Redis >= 6.2)
      const [previous, epoch] = await Promise.all([redis.set(presenceKeys.alive(node), '1', 'PX', NODE_TTL_MS, 'GET'), redis.get(presenceKeys.epoch)]);
      return { epoch: epoch ?? '', lapsed: previous === null };
    },
    async stop() {
      await events.stop();
      await producer.disconnect();
      redis.disconnect();
    },
  };
}
