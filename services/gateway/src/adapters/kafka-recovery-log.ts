// The RecoveryLog port on Kafka (docs/PROTOCOL.md §11): the one partition holding a tenant's
// changes (realtime.cdc, key = tenant) or a channel's broadcasts (realtime.broadcast, key = channel),
// found the way the producer finds it (partitionOf, as libs/replay does), read through the
// process's range reader (libs/kafka range-reader.ts: one consumer of its own, never the live
// fan-out's). Only records of the stream's own key are decoded; the others count their bytes.
import type { Logger } from '@realtime/log';
import { decodeMessage, partitionOf, recordKeys, type RangeReader } from '@realtime/kafka';
import type { BroadcastMessage, ChangeEvent, SchemaName } from '@realtime/schemas';
import type { LogStream, RecoveryLog } from '../ports.ts';
import type { OutboundBroadcast } from '../core/base/broadcast-message.ts';
import { fromAvro } from './kafka-broadcast-bus.ts';

export function kafkaRecoveryLog(reader: RangeReader, options: { cdcTopic: string; broadcastTopic: string; log: Logger }): RecoveryLog {
  // A topic's partition count changes rarely (never on its own): asked once per topic.
  const counts = new Map<string, Promise<number>>();
  const partitions = (topic: string) => {
    let count = counts.get(topic);
    if (!count) {
      counts.set(topic, (count = reader.partitionCount(topic)));
      count.catch(() => counts.delete(topic)); // asked again next time
    }
    return count;
  };
  async function stream<T>(topic: string, schema: SchemaName, key: string, convert: (v: never) => T): Promise<LogStream<T>> {
    const partition = partitionOf(key, await partitions(topic));
    const ownKey = Buffer.from(key, 'utf8');
    return {
      partition,
      bounds: () => reader.bounds(topic, partition),
      offsetForTime: (ms) => reader.offsetForTime(topic, partition, ms),
      async read(start, end, onRecord, readOptions) {
        await reader.read(topic, partition, start, end, (r) => {
          const bytes = (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0);
          const own = r.key !== null && r.key.equals(ownKey);
          if (!own || r.value === null) return onRecord({ offset: r.offset, own, value: null, bytes });
          const message = { key: r.key, value: r.value, offset: String(r.offset), timestamp: String(r.timestamp), attributes: 0, headers: {} };
          const decoded = decodeMessage<never>(topic, schema, partition, message as unknown as Parameters<typeof decodeMessage>[3], options.log);
          return onRecord({ offset: r.offset, own, value: decoded.ok && decoded.value !== null ? convert(decoded.value) : null, bytes });
        }, readOptions);
      },
    };
  }
  return {
    changes: (tenant) => stream<ChangeEvent>(options.cdcTopic, 'ChangeEvent', recordKeys.tenant(tenant), (v: ChangeEvent) => v),
    broadcasts: (tenant, isPrivate, topic) => stream<OutboundBroadcast>(options.broadcastTopic, 'BroadcastMessage', recordKeys.channel(tenant, isPrivate, topic), (v: BroadcastMessage) => fromAvro(v)),
  };
}
