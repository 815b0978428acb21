// Supervises one tenant's replication: connect the slot, stream through a TenantStream, and on any
// failure (database down, slot in use, Kafka down) drop everything unconfirmed and start again
// from the slot's confirmed position after a growing backoff. Nothing is lost: Postgres keeps the
// WAL until we confirm it, and downstream drops the duplicates a restart replays.
import type { Logger } from '@realtime/log';
import { ErrorCodes } from '@realtime/errors';
import { classifyReplicationError } from './core/replication-failure.ts';
import { AssemblyFailed, TenantStream } from './core/tenant-stream.ts';
import { startCheckpointer, type CheckpointerOptions } from './checkpoints.ts';
import type { ChainHeadReader, ChangeSink, ReplicationSourceFactory, TenantCdcMetrics } from './ports.ts';

/** How long a hand-over waits for in-flight publishes before releasing the slot anyway. */
const DRAIN_MAX_MS = 10_000;

export interface TenantReplicationOptions {
  tenant: string;
  connectionString: string;
  slot: string;
  publications: string[];
  sink: ChangeSink;
  nodeId: string;
  maxRecordBytes: number;
  /** Database broadcasts with a larger payload are skipped (the tenant's max_payload_size_in_kb). */
  maxPayloadBytes?: number;
  /** Database broadcasts per second beyond this are skipped (the tenant's max_events_per_second). */
  maxBroadcastsPerSecond?: number;
  /** Largest ChangeEvent the cdc topic takes; bigger ones get the 413 form. */
  maxEventBytes?: number;
  log: Logger;
  /** The tenant's series: connected, changes published, commit → Kafka ack time. */
  metrics?: TenantCdcMetrics;
  /** How the replication connection is made (the pg adapter, from app.ts; a fake in tests). */
  sourceFactory: ReplicationSourceFactory;
  /** Where the tenant's hash chain continues from (adapters/kafka-chain-heads.ts); without it every stream starts a new chain. */
  chainHeads?: ChainHeadReader;
  /** Signed checkpoints of the chain head (checkpoints.ts); without them the chain is written unsigned. */
  checkpoints?: Omit<CheckpointerOptions, 'tenant' | 'log'>;
  /** For tests: the clock that commit → ack times are measured with (ms since the epoch). */
  now?: () => number;
}

export interface TenantReplication {
  /** Resolves once the slot exists: every change committed from then on will be delivered. */
  readonly ready: Promise<void>;
  readonly connected: boolean;
  readonly confirmedLsn: string | null;
  stop(): Promise<void>;
}

export function startTenantReplication(o: TenantReplicationOptions): TenantReplication {
  const log = o.log.child({ tenant: o.tenant, slot: o.slot });
  const makeSource = o.sourceFactory;
  let stopped = false;
  let wake: (err?: unknown) => void = () => {};
  const state = { connected: false, confirmedLsn: null as string | null };
  const now = o.now ?? Date.now;
  const setConnected = (up: boolean) => {
    state.connected = up;
    o.metrics?.connected(up);
  };
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const checkpointer = o.checkpoints ? startCheckpointer({
    ...o.checkpoints, tenant: o.tenant, log,
    onPublished: (head) => o.metrics?.checkpointPublished?.(head.commitLsnNum, now() / 1000),
    onFailed: () => o.metrics?.checkpointFailed?.(),
  }) : null;
  const chainHeads = o.chainHeads;
  /** Reads the head Kafka holds, counted and timed by outcome. */
  const readChainHead = async (reader: ChainHeadReader) => {
    const started = now();
    const took = () => (now() - started) / 1000;
    try {
      const head = await reader.read(o.tenant);
      o.metrics?.chainHeadRead?.(head ? 'found' : 'empty', took());
      return head;
    } catch (err) {
      o.metrics?.chainHeadRead?.('failed', took());
      throw err;
    }
  };

  const run = async () => {
    for (let failures = 0; !stopped; ) {
      const source = makeSource({ connectionString: o.connectionString, slot: o.slot, publications: o.publications });
      const ended = new Promise<unknown>((resolve) => (wake = resolve));
      const stream = new TenantStream({
        tenant: o.tenant, nodeId: o.nodeId, sink: o.sink, maxRecordBytes: o.maxRecordBytes, maxPayloadBytes: o.maxPayloadBytes, maxBroadcastsPerSecond: o.maxBroadcastsPerSecond, maxEventBytes: o.maxEventBytes,
        confirmer: { confirm: async (lsn) => { await source.confirm(lsn); state.confirmedLsn = lsn; failures = 0; } },
        onErrors: (errors) => {
          o.metrics?.notUnderstood?.(errors.length);
          log.error({ code: ErrorCodes.PoolingReplicationError, errors: errors.map((e) => e.code), lastConfirmedLsn: state.confirmedLsn }, 'WAL messages not understood; confirming stops at the last good commit');
        },
        onFatal: (err) => wake(err),
        chainHead: chainHeads ? () => readChainHead(chainHeads) : undefined,
        onChainAcked: (head) => checkpointer?.advanced(head),
        onPublished: (t) => o.metrics?.published(t.changes, (now() * 1000 - Number(t.commitTimestampUs)) / 1e6, t.broadcasts),
        onBroadcastsSkipped: (skips) => {
          const reasons: Record<string, number> = {};
          for (const { reason } of skips) {
            o.metrics?.broadcastSkipped?.(reason);
            reasons[reason] = (reasons[reason] ?? 0) + 1;
          }
          // One line per transaction, however many rows it skipped.
          log.warn({ code: ErrorCodes.UnableToHandleBroadcast, reasons, first: skips[0] }, 'realtime.messages rows not broadcast');
        },
      });
      // After stop() nothing new goes in: the next owner replays it from the slot.
      const started = await source.start((_lsn, bytes) => (stopped ? undefined : stream.receive(bytes)), (err) => wake(err)).then(() => true, (err: unknown) => (wake(err), false));
      if (started) {
        setConnected(true);
        markReady();
        stream.prefetchChainHead(); // the slot is ours: the last owner's records have landed
      }
      const err = await ended;
      // A hand-over (stop) lets in-flight publishes land before the slot is released, so the next
      // owner's first events can never overtake this owner's last ones in realtime.cdc.
      if (stopped) await Promise.race([stream.drain(), new Promise((r) => setTimeout(r, DRAIN_MAX_MS))]);
      // this owner's last head is signed before the next owner can take the slot and continue the chain
      if (stopped) await checkpointer?.stop();
      setConnected(false);
      await source.stop().catch(() => {});
      if (stopped) break;
      const c = err instanceof AssemblyFailed ? { code: ErrorCodes.PoolingReplicationError, retryable: true, message: err.message } : classifyReplicationError(err);
      failures++;
      const backoff = Math.min(30_000, 250 * 2 ** Math.min(failures, 7));
      log.warn({ code: c.code, retryable: c.retryable, err: c.message, backoffMs: backoff }, 'replication stopped; restarting from the slot');
      await new Promise((r) => setTimeout(r, backoff));
    }
    await checkpointer?.stop(); // also when stopped during a backoff (a second stop() is a no-op flush)
  };
  const running = run();
  return {
    ready,
    get connected() { return state.connected; },
    get confirmedLsn() { return state.confirmedLsn; },
    async stop() {
      stopped = true;
      wake();
      await running;
    },
  };
}
