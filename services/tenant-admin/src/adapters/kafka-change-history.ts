// ChangeHistory on Kafka: the bounded replay of @realtime/kafka over this deployment's realtime.cdc.
import type { Kafka } from '@realtime/kafka';
import { replayChanges } from '@realtime/replay';
import type { Logger } from '@realtime/log';
import type { ChangeHistory } from '../ports.ts';

export function createKafkaChangeHistory(kafka: Kafka, topic: string, logger: Logger): ChangeHistory {
  return { open: (tenant, range) => replayChanges(kafka, { topic, tenant, range, logger }) };
}
