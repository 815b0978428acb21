// Broadcasts between gateways over realtime.broadcast, keyed by tenant + channel so one channel's
// messages stay in order. Each gateway reads in a consumer group of its own from the end: a late
// gateway has no history to replay (docs/ARCHITECTURE.md "Services").
import type { Kafka } from '@realtime/kafka';
import { createAvroProducer, followTopic, itemFailures, orderedBatches, recordKeys } from '@realtime/kafka';
import type { BroadcastMessage } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import type { BroadcastBus } from '../ports.ts';
import type { OutboundBroadcast } from '../core/base/broadcast-message.ts';
import type { LogPosition } from '../core/base/log-position.ts';

/** Broadcasts waiting behind the send in flight: past either bound a publish is dropped. */
const PUBLISH_QUEUE_LIMIT = { items: 10_000, bytes: 32 * 1024 * 1024 };

export interface KafkaBroadcastBus extends BroadcastBus {
  stop(): Promise<void>;
}

export async function startKafkaBroadcastBus(
  kafka: Kafka,
  options: {
    topic: string; nodeId: string; log: Logger;
    /** max.message.bytes per topic (readRecordLimits): an oversized broadcast fails alone. */
    recordLimits?: Record<string, number>;
    /** A broadcast refused: queue full or too large (for realtime_broadcast_publish_dropped_total). */
    onDropped?: () => void;
    /** Bound in payload bytes of the queue toward Kafka (default PUBLISH_QUEUE_LIMIT.bytes). */
    queueBytes?: number;
  },
): Promise<KafkaBroadcastBus> {
  let deliver: (m: OutboundBroadcast, at: LogPosition) => void = () => {};
  // idempotent: a send retried across a broker failover is written once, in order
  const producer = createAvroProducer(kafka, { idempotent: true, recordLimits: options.recordLimits });
  await producer.connect();
  const follower = await followTopic<BroadcastMessage>(kafka, {
    topic: options.topic,
    schema: 'BroadcastMessage',
    groupId: `gateway-${options.nodeId}`,
    fromBeginning: false,
    logger: options.log,
    eachMessage: (_key, value, meta) => {
      if (value) deliver(fromAvro(value), { partition: meta.partition, offset: BigInt(meta.offset) });
    },
  });
  // Each broadcast settles alone (one too large for Kafka fails by itself), and what waits while a
  // send is in flight is bounded: with the broker down a send lasts as long as kafkajs retries, and
  // every client keeps publishing meanwhile. Local delivery never waits for this (gateway.ts).
  const send = orderedBatches(async (batch: OutboundBroadcast[]) => {
    const outcomes = await producer.sendEach(options.topic, 'BroadcastMessage', batch.map((m) => ({ key: recordKeys.channel(m.tenant, m.private, m.topic), value: toAvro(m) })));
    for (const o of outcomes) if (!o.ok && o.error.code === ErrorCodes.PayloadSizeExceeded) options.onDropped?.();
    return itemFailures(outcomes);
  }, { queueLimit: { ...PUBLISH_QUEUE_LIMIT, bytes: options.queueBytes ?? PUBLISH_QUEUE_LIMIT.bytes, sizeOf: (m: OutboundBroadcast) => m.payload.byteLength + 512, onFull: options.onDropped } });
  return {
    publish: send,
    onMessage: (handler) => void (deliver = handler),
    stop: async () => {
      await follower.stop();
      await producer.disconnect();
    },
  };
}

export function toAvro(m: OutboundBroadcast): BroadcastMessage {
  return {
    id: m.id,
    tenant: m.tenant,
    topic: m.topic,
    private: m.private,
    event: m.event,
    kind: m.kind === 'user' ? 'USER' : 'JSON',
    encoding: m.encoding === 'binary' ? 'BINARY' : 'JSON',
    payload: Buffer.from(m.payload),
    meta_id: m.metaId,
    origin_node: m.originNode,
    sent_at: m.sentAt,
  };
}

export function fromAvro(v: BroadcastMessage): OutboundBroadcast {
  return {
    id: v.id,
    tenant: v.tenant,
    topic: v.topic,
    private: v.private,
    event: v.event,
    kind: v.kind === 'USER' ? 'user' : 'json',
    encoding: v.encoding === 'BINARY' ? 'binary' : 'json',
    payload: new Uint8Array(v.payload),
    metaId: v.meta_id,
    originNode: v.origin_node,
    sentAt: typeof v.sent_at === 'number' ? v.sent_at : Number(v.sent_at),
  };
}
