// ChangeSink on Kafka: ChangeEvents to realtime.cdc keyed by tenant (one partition per tenant keeps
// commit order), database broadcasts to realtime.broadcast keyed by channel. Idempotent producer,
// acks=all; one batch in flight at a time so transactions never overtake each other. A failed batch
// also fails every batch queued behind it, unsent: their streams replay from their slots, and a later
// transaction must not reach Kafka before the replay of an earlier one.
import { orderedBatches, recordKeys, type AvroProducer } from '@realtime/kafka';
import type { BroadcastMessage, ChangeEvent } from '@realtime/schemas';
import type { ChangeSink } from '../ports.ts';

type Batch = { changes: ChangeEvent[]; broadcasts: BroadcastMessage[] };

export function createKafkaChangeSink(producer: AvroProducer, topics: { cdc: string; broadcast: string }): ChangeSink {
  const publish = orderedBatches(async (batches: Batch[]) => {
    const changes = batches.flatMap((b) => b.changes);
    const broadcasts = batches.flatMap((b) => b.broadcasts);
    if (changes.length) await producer.send(topics.cdc, 'ChangeEvent', changes.map((e) => ({ key: recordKeys.tenant(e.tenant), value: e })));
    if (broadcasts.length) await producer.send(topics.broadcast, 'BroadcastMessage', broadcasts.map((b) => ({ key: recordKeys.channel(b.tenant, b.private, b.topic), value: b })));
  }, { queuedOnFailure: 'reject' });
  return { publish };
}
