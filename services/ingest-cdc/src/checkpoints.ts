// Signed checkpoints of one tenant's chain head (docs/ARCHITECTURE.md "Audit trail"): every
// `intervalMs` while the head moves, and once more when the tenant stops here (hand-over,
// shutdown), so what this owner wrote ends signed. Only heads Kafka acknowledged are signed
// (TenantStream.onChainAcked), so a checkpoint never vouches for a record that is not there.
// A failed publish is logged and retried with the next head: the chain itself is in realtime.cdc,
// a late checkpoint only widens the stretch that is chained but not yet signed.
import type { ChainHead } from '@realtime/audit';
import type { Logger } from '@realtime/log';
import type { CdcCheckpoint } from '@realtime/schemas';
import type { CheckpointSink } from './ports.ts';

export interface CheckpointerOptions {
  tenant: string;
  intervalMs: number;
  /** Signs a head (libs/audit signCheckpoint with the worker's key, node and clock). */
  sign(tenant: string, head: ChainHead): CdcCheckpoint;
  sink: CheckpointSink;
  log: Logger;
  /** Kafka acknowledged the checkpoint of `head` (metrics). */
  onPublished?(head: ChainHead): void;
  /** Publishing a checkpoint failed (metrics; it is logged here). */
  onFailed?(): void;
}

export interface Checkpointer {
  /** Kafka acknowledged the chain up to `head`. */
  advanced(head: ChainHead): void;
  /** Publishes the last head if it is not signed yet, then stops the timer. */
  stop(): Promise<void>;
}

export function startCheckpointer(o: CheckpointerOptions): Checkpointer {
  let latest: ChainHead | null = null;
  let signed: ChainHead | null = null;
  let publishing: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const head = latest;
    if (!head || head === signed) return publishing;
    signed = head; // one publish per head, even if a tick comes while it is under way
    publishing = publishing.then(async () => {
      try {
        await o.sink.publish(o.sign(o.tenant, head));
        o.onPublished?.(head);
      } catch (err) {
        if (signed === head) signed = null;
        o.onFailed?.();
        o.log.warn({ code: (err as { code?: string }).code, tenant: o.tenant, lsn: head.commitLsn, err: String(err) }, 'publishing a chain checkpoint failed; retried with the next head');
      }
    });
    return publishing;
  };
  const timer = setInterval(() => void flush(), o.intervalMs);
  timer.unref();
  return {
    advanced: (head) => void (latest = head),
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}
