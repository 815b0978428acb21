// The gateway's reader of realtime.cdc: every gateway reads every tenant's changes in a consumer
// group of its own, from the end (a late gateway has no subscriber waiting for history). Records
// arrive per partition in commit order; the fan-out queues them per tenant and never pushes back:
// one partition carries many tenants, so waiting for one tenant's database here would stall them
// all. A tenant that does not keep up is bounded in the fan-out instead (its queue's byte bound).
import { ErrorCodes } from '@realtime/errors';
import type { Kafka } from '@realtime/kafka';
import { followTopic } from '@realtime/kafka';
import type { ChangeEvent } from '@realtime/schemas';
import type { Logger } from '@realtime/log';
import type { LogPosition } from '../core/base/log-position.ts';

export async function startKafkaChangeFeed(
  kafka: Kafka, options: { topic: string; nodeId: string; log: Logger; onChange: (e: ChangeEvent, at: LogPosition) => void },
): Promise<{ stop(): Promise<void> }> {
  return followTopic<ChangeEvent>(kafka, {
    topic: options.topic,
    schema: 'ChangeEvent',
    groupId: `gateway-${options.nodeId}-cdc`,
    fromBeginning: false,
    logger: options.log,
    eachMessage: (_key, value, meta) => {
      if (!value) return;
      try {
        options.onChange(value, { partition: meta.partition, offset: BigInt(meta.offset) });
      } catch (err) {
        // One record's failure is that record's: retrying it would stop the partition for every tenant.
        options.log.error({ code: ErrorCodes.UnableToBroadcastChanges, tenant: value.tenant, err: String(err) }, 'change event skipped');
      }
    },
  });
}
