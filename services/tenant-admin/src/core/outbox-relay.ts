// Outbox relay: turns committed outbox rows into realtime.tenants records. Entries are acknowledged
// (deleted) only after the publisher resolved, so a crash re-publishes and never loses a change.
// Each record carries the tenant's state as read *after* its outbox row committed, so the last
// record per key always reflects the last committed change, whatever the interleaving.
import { ErrorCodes, errorCodeOf } from '@realtime/errors';
import type { Logger } from '@realtime/log';
import type { OutboxSource, SnapshotPublisher, SnapshotRecord } from '../ports.ts';
import { toSnapshot } from './snapshot.ts';

export const BATCH = 100;

/** One pass: publish the entries' tenants, then acknowledge them. Returns the number of entries. */
export async function relayOnce(source: OutboxSource, publisher: SnapshotPublisher): Promise<number> {
  const entries = await source.next(BATCH);
  if (entries.length === 0) return 0;
  const keys = [...new Set(entries.map((e) => e.tenantExternalId))];
  const records: SnapshotRecord[] = [];
  for (const key of keys) {
    const row = await source.load(key);
    records.push({ key, value: row ? toSnapshot(row) : null });
  }
  await publisher.publish(records);
  await source.ack(entries.map((e) => e.id));
  return entries.length;
}

export interface RelayOptions {
  source: OutboxSource;
  publisher: SnapshotPublisher;
  pollMs: number;
  log: Logger;
  onLeadership?: (leading: boolean) => void;
  onPublished?: (entries: number) => void;
}

export interface RunningRelay {
  leading(): boolean;
  stop(): Promise<void>;
}

export function startOutboxRelay(o: RelayOptions): RunningRelay {
  let stopping = false;
  let leading = false;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => { wake = resolve; });
  const pause = (ms: number, work?: Promise<void>) => Promise.race([work ?? new Promise((r) => setTimeout(r, ms)), stopped]);
  const setLeading = (value: boolean) => {
    if (value === leading) return;
    leading = value;
    o.log.info({ leading }, leading ? 'outbox relay: leading' : 'outbox relay: standing by');
    o.onLeadership?.(leading);
  };

  const loop = (async () => {
    let failures = 0;
    while (!stopping) {
      try {
        if (!(await o.source.acquire())) {
          setLeading(false);
          await pause(o.pollMs);
          continue;
        }
        setLeading(true);
        const n = await relayOnce(o.source, o.publisher);
        failures = 0;
        if (n > 0) o.onPublished?.(n);
        else await pause(o.pollMs, o.source.wait(o.pollMs));
      } catch (err) {
        failures += 1;
        o.log.error({ code: errorCodeOf(err) ?? ErrorCodes.KafkaPublishFailed, err: errorText(err), failures }, 'outbox relay failed; retrying');
        setLeading(false);
        await o.source.release().catch(() => {});
        await pause(Math.min(o.pollMs * 2 ** Math.min(failures, 6), 30_000));
      }
    }
  })();

  return {
    leading: () => leading,
    async stop() {
      stopping = true;
      wake();
      await loop;
      await o.source.release().catch(() => {});
      setLeading(false);
    },
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
