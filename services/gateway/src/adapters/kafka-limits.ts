// The gateway's side of the ratelimiter: usage reports out to realtime.usage (key = tenant, one
// per tenant per second) and the compacted realtime.limits in, read from the beginning so a
// gateway that starts late knows every throttle in force.
import type { Kafka } from '@realtime/kafka';
import { createAvroProducer, readCompactedTable, recordKeys } from '@realtime/kafka';
import type { LimitDecision, UsageReport } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import type { UsageSink } from '../ports.ts';

export async function startKafkaLimits(
  kafka: Kafka, o: { usageTopic: string; limitsTopic: string; log: Logger; onDecision: (key: string, d: LimitDecision | null) => void },
): Promise<UsageSink & { stop(): Promise<void> }> {
  const producer = createAvroProducer(kafka, { idempotent: false });
  await producer.connect();
  const limits = await readCompactedTable<LimitDecision>(kafka, { topic: o.limitsTopic, schema: 'LimitDecision', logger: o.log, onRecord: o.onDecision });
  return {
    report: async (reports: UsageReport[]) => void (await producer.send(o.usageTopic, 'UsageReport', reports.map((r) => ({ key: recordKeys.tenant(r.tenant), value: r })))),
    async stop() {
      await limits.stop();
      await producer.disconnect();
    },
  };
}
