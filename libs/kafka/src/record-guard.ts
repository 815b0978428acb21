// What a reader does when its handler fails on one record, in one place for every consumer of every
// service. A RealtimeError marked retryable means our infrastructure is down (Redis, Postgres, Kafka):
// the same record is tried again with backoff, so nothing is lost (at-least-once). Anything else
// means the record itself cannot be handled (a poison record): it is logged with its code, counted
// in realtime_consumer_records_skipped_total and skipped. Redelivering it could never succeed and
// would stop the partition (and, for a shared topic, every tenant on it) for good.
import type { Kafka } from 'kafkajs';
import { ErrorCodes, errorCodeOf, isRetryable } from '@realtime/errors';
import type { Logger } from '@realtime/log';

export type SkipReason = 'undecodable' | 'handler_error';

/** realtime_consumer_records_skipped_total{topic,reason}, or anything with the same inc. */
export interface SkippedRecordsCounter {
  inc(labels: { topic: string; reason: SkipReason }, value?: number): void;
}

export interface RecordSite {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
}

export interface GuardOptions {
  log: Logger;
  /** False once the reader is stopping: a retry loop gives up and rethrows (nothing is committed). */
  running(): boolean;
  /** Keeps the group membership alive while an infrastructure error is retried. */
  heartbeat?(): Promise<void>;
  /** Backoff bounds of the retry loop (ms); the defaults suit production. */
  backoff?: { initialMs: number; maxMs: number };
}

// The counter travels with the client: a service hands it to createKafka once, and every reader it
// starts from that client counts into it, without threading it through each adapter.
const counters = new WeakMap<Kafka, SkippedRecordsCounter>();

export function setSkippedRecordsCounter(kafka: Kafka, counter: SkippedRecordsCounter | undefined): void {
  if (counter) counters.set(kafka, counter);
}

/** Series start at zero (docs/METRICS.md): called when a reader of `topic` starts. */
export function initSkippedRecords(kafka: Kafka, topic: string): void {
  const counter = counters.get(kafka);
  for (const reason of ['undecodable', 'handler_error'] as const) counter?.inc({ topic, reason }, 0);
}

export function countSkipped(kafka: Kafka, topic: string, reason: SkipReason): void {
  counters.get(kafka)?.inc({ topic, reason });
}

/**
 * Runs `handle` for one record. Resolves once it succeeded or the record was skipped as poison;
 * rejects only when the reader stops while an infrastructure error is being retried.
 */
export async function guardRecord(kafka: Kafka, o: GuardOptions, site: RecordSite, handle: () => unknown): Promise<void> {
  const { initialMs, maxMs } = o.backoff ?? { initialMs: 100, maxMs: 2_000 };
  for (let attempt = 0, delay = initialMs; ; attempt++, delay = Math.min(delay * 2, maxMs)) {
    try {
      await handle();
      if (attempt > 0) o.log.info({ ...site, attempts: attempt + 1 }, 'record handled after retries');
      return;
    } catch (err) {
      const code = errorCodeOf(err) ?? ErrorCodes.UnknownError;
      if (!isRetryable(err)) {
        o.log.error({ code, ...site, err: String(err) }, 'skipping a Kafka record its handler failed on');
        countSkipped(kafka, site.topic, 'handler_error');
        return;
      }
      // One line per streak, not one per attempt: an outage can last minutes.
      if (attempt === 0) o.log.warn({ code, ...site, err: String(err) }, 'handling a Kafka record failed; retrying until it succeeds');
      if (!o.running()) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (!o.running()) throw err;
      await o.heartbeat?.().catch(() => {});
    }
  }
}
