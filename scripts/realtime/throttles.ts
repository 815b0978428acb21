// The tenants the ratelimiter throttles now: the compacted realtime.limits topic keeps each
// (tenant, limit)'s latest decision (docs/ARCHITECTURE.md), so reading it to its end gives the
// current set, as a gateway does at start. A decision whose `until` has passed no longer holds.
import { createKafka, readCompactedTable, topicNames } from '@realtime/kafka';
import type { Logger } from '@realtime/log';
import type { LimitDecision } from '@realtime/schemas';

export interface Throttle { tenant: string; limit: string; rate: number; max: number; until: string | null; decided_at: string }

export async function readThrottles(brokers: string[], prefix: string, log: Logger, now = Date.now()): Promise<Throttle[]> {
  const kafka = createKafka({ brokers, clientId: 'realtime-cli', logger: log, kafkaLogLevel: 'error' });
  const latest = new Map<string, LimitDecision>();
  const reader = await readCompactedTable<LimitDecision>(kafka, {
    topic: topicNames(prefix).limits, schema: 'LimitDecision', logger: log,
    onRecord: (key, value) => void (value ? latest.set(key, value) : latest.delete(key)),
  });
  await reader.stop();
  return currentThrottles([...latest.values()], now);
}

/** Decisions still throttling at `now`, by tenant then limit. */
export function currentThrottles(decisions: LimitDecision[], now: number): Throttle[] {
  const ms = (t: number) => Number(t);
  return decisions
    .filter((d) => d.throttled && (d.until === null || ms(d.until) > now))
    .map((d) => ({
      tenant: d.tenant, limit: d.limit, rate: d.rate, max: d.max,
      until: d.until === null ? null : new Date(ms(d.until)).toISOString(), decided_at: new Date(ms(d.decided_at)).toISOString(),
    }))
    .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.limit.localeCompare(b.limit));
}
