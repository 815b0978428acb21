// DecisionSink on the idempotent producer: one record per (tenant, limit), keyed so the compacted
// realtime.limits keeps each limit's latest decision (recordKeys.limit); null values are tombstones.
import { recordKeys, type AvroProducer } from '@realtime/kafka';
import type { LimitDecision } from '@realtime/schemas';
import type { DecisionSink } from '../ports.ts';

export function createKafkaDecisionSink(producer: AvroProducer, topic: string): DecisionSink {
  return {
    async publish(records) {
      await producer.send<LimitDecision>(topic, 'LimitDecision', records.map((r) => ({ key: recordKeys.limit(r.tenant, r.limit), value: r.decision })));
    },
  };
}
