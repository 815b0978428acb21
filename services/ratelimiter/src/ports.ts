// What the ratelimiter needs from outside. Only adapters/ know kafkajs and prom-client.
import type { Emitted } from './core/aggregate.ts';
import type { LimitName } from './core/limits.ts';
import type { ReportOutcome } from './core/windows.ts';

/** realtime.limits. Resolves once Kafka acknowledged every record (acks=all). */
export interface DecisionSink {
  publish(records: Emitted[]): Promise<void>;
}

export interface RatelimiterMetrics {
  /** A usage report consumed, by what became of it. */
  report(outcome: ReportOutcome): void;
  /** A decision that changed (kind 'change'); refreshes and tombstones are not counted here. */
  decision(limit: LimitName, throttled: boolean): void;
  /** A send to realtime.limits failed (it is retried). */
  publishFailed(): void;
}
