// Keeps every tenant's realtime.messages partitions ahead of the clock (docs/PROTOCOL.md §4 "From
// the database": yesterday through +3 days exist, older than 72 hours are dropped). Migrations
// also create them, but only when a tenant is written or reloaded; without this job a tenant left
// alone for a few days has no partition for today and every realtime.send and private join fails.
// Every instance runs it: the SQL is idempotent and skips when another session is already at it.
// A pass visits tenants a few at a time, each bounded by a timeout, so a database that is down or
// hangs costs one worker slot for `timeoutMs` and delays nobody else.
import { ErrorCodes } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { DbTarget, MessagePartitions } from '../ports.ts';

export interface PartitionTarget {
  externalId: string;
  db: DbTarget;
}

export interface PartitionKeeperDeps {
  /** Tenants that have a database, read fresh on every pass. */
  targets(): Promise<PartitionTarget[]>;
  partitions: MessagePartitions;
  now(): Date;
  log: Logger;
  intervalMs: number;
  timeoutMs: number;
  concurrency: number;
  onResult?(ok: boolean): void;
}

export interface PassResult {
  ok: string[];
  failed: string[];
}

export interface PartitionKeeper {
  /** One pass over every tenant (also what the timer runs). */
  runOnce(): Promise<PassResult>;
  stop(): Promise<void>;
}

export function startPartitionKeeper(deps: PartitionKeeperDeps): PartitionKeeper {
  let stopped = false;
  let running: Promise<PassResult> | null = null;

  const ensureOne = async (t: PartitionTarget, at: Date, result: PassResult) => {
    try {
      await withTimeout(deps.partitions.ensure(t.db, at), deps.timeoutMs);
      result.ok.push(t.externalId);
      deps.onResult?.(true);
    } catch (err) {
      result.failed.push(t.externalId);
      deps.onResult?.(false);
      deps.log.error({ code: ErrorCodes.PartitionCreationFailed, tenant: t.externalId, err: err instanceof Error ? err.message : String(err) }, 'keeping message partitions failed');
    }
  };

  const pass = async (): Promise<PassResult> => {
    const result: PassResult = { ok: [], failed: [] };
    let targets: PartitionTarget[];
    try {
      targets = await deps.targets();
    } catch (err) {
      deps.log.error({ code: ErrorCodes.PartitionCreationFailed, err: err instanceof Error ? err.message : String(err) }, 'listing tenants for message partitions failed');
      return result;
    }
    const at = deps.now();
    let next = 0;
    const worker = async () => {
      while (!stopped && next < targets.length) await ensureOne(targets[next++]!, at, result);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.concurrency, targets.length)) }, worker));
    return result;
  };

  const runOnce = () => (running ??= pass().finally(() => { running = null; }));
  const tick = () => { if (!stopped) void runOnce(); };
  const first = setTimeout(tick, 0);
  const timer = setInterval(tick, deps.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running?.catch(() => {});
    },
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
