// ChangeSink on Kafka: ChangeEvents to realtime.cdc keyed by tenant (one partition per tenant keeps
// commit order), database broadcasts to realtime.broadcast keyed by channel. Idempotent producer,
// acks=all; one batch in flight at a time so transactions never overtake each other. A failed batch
// also fails every batch queued behind it, unsent: their streams replay from their slots, and a later
// transaction must not reach Kafka before the replay of an earlier one.
// A record the topic refuses for its size (PayloadSizeExceeded) is logged and skipped, not failed:
// replaying it from the slot would be refused again, forever, and stop the tenant's stream. Changes
// are already cut to the 413 form to fit (to-change-event.ts); this is the last guard.
import type { RealtimeError } from '@realtime/errors';
import { orderedBatches, recordKeys, skipTooLarge, type AvroProducer } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import type { BroadcastMessage, ChangeEvent } from '@realtime/schemas';
import type { ChangeSink } from '../ports.ts';

type Batch = { changes: ChangeEvent[]; changeBytes?: Buffer[]; broadcasts: BroadcastMessage[] };

export function createKafkaChangeSink(producer: AvroProducer, topics: { cdc: string; broadcast: string }, log?: Logger): ChangeSink {
  const skipped = (tenants: string[]) => (i: number, error: RealtimeError) =>
    log?.error({ code: error.code, tenant: tenants[i], details: error.details }, 'record too large for Kafka: skipped');
  const publish = orderedBatches(async (batches: Batch[]) => {
    // the bytes the audit chain hashed go out as they are (tenant-stream.ts)
    const changes = batches.flatMap((b) => b.changes.map((e, i) => ({ key: recordKeys.tenant(e.tenant), value: e, encoded: b.changeBytes?.[i] })));
    const broadcasts = batches.flatMap((b) => b.broadcasts);
    if (changes.length) {
      const outcomes = await producer.sendEach(topics.cdc, 'ChangeEvent', changes);
      skipTooLarge(outcomes, skipped(changes.map((e) => e.value.tenant)));
    }
    if (broadcasts.length) {
      const outcomes = await producer.sendEach(topics.broadcast, 'BroadcastMessage', broadcasts.map((b) => ({ key: recordKeys.channel(b.tenant, b.private, b.topic), value: b })));
      skipTooLarge(outcomes, skipped(broadcasts.map((b) => b.tenant)));
    }
  }, { queuedOnFailure: 'reject' });
  return { publish };
}
