// ChangeHistory on Kafka: the bounded replay of @realtime/replay over this deployment's realtime.cdc,
// and, with the audit public key, the verification of its hash chain against realtime.cdc.checkpoints.
import type { KeyObject } from 'node:crypto';
import type { Kafka, TopicNames } from '@realtime/kafka';
import { replayChanges, verifyChanges } from '@realtime/replay';
import type { Logger } from '@realtime/log';
import type { ChangeHistory } from '../ports.ts';

export function createKafkaChangeHistory(kafka: Kafka, topics: Pick<TopicNames, 'cdc' | 'cdcCheckpoints'>, logger: Logger, publicKey: KeyObject | null): ChangeHistory {
  return {
    open: (tenant, range) => replayChanges(kafka, { topic: topics.cdc, tenant, range, logger }),
    ...(publicKey ? { verify: (tenant, range) => verifyChanges(kafka, { topics, tenant, range, publicKey, logger }) } : {}),
  };
}
