// Follows the compacted realtime.limits from the beginning (a throwaway group, like every reader
// of a compacted table) into the table of throttles GET /api/cluster shows.
import { readCompactedTable, type Kafka, type Reader } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import type { LimitDecision } from '@realtime/schemas';
import type { ThrottleTable } from '../core/throttles.ts';

export function followLimits(kafka: Kafka, topic: string, log: Logger, table: ThrottleTable): Promise<Reader> {
  return readCompactedTable<LimitDecision>(kafka, { topic, schema: 'LimitDecision', logger: log, onRecord: (key, d) => table.apply(key, d) });
}
