// The Postgres changes a channel joined with `postgres_changes_options.recover` missed
// (docs/PROTOCOL.md §11): the tenant's records of realtime.cdc in [start, E), each
// (commit_lsn, seq) once, matched against the channel's bindings and filters, checked against RLS
// and column privileges as of now by the same functions as the live fan-out (fanout.ts), in
// batches: one RLS query per table for up to BATCH events, never one per event.
import type { ChangeEvent } from '@realtime/schemas';
import type { LogStream, TenantDatabase } from '../../ports.ts';
import { checkPending, changeFrame, match, withPk, type Pending, type Subscriber } from '../postgres-changes/batch.ts';
import { ChangeDedupe } from '../postgres-changes/dedupe.ts';
import { positionText } from '../base/log-position.ts';
import { RecoveryFailure, RecoveryResults } from './result.ts';
import type { ReadBounds, ReadPlan, Recovered } from './read-bounds.ts';
import { HistoryScan } from './history-scan.ts';

export const RLS_BATCH = 500;

type Positioned = Pending & { offset: bigint };

export interface ChangesHistory {
  sub: Subscriber;
  db: TenantDatabase | null;
  observeRls(seconds: number): void;
}

export async function readChangeHistory(stream: LogStream<ChangeEvent>, plan: ReadPlan, bounds: ReadBounds, h: ChangesHistory): Promise<Recovered> {
  const out: Recovered = { frames: [], bytes: 0, last: null };
  const scan = new HistoryScan(bounds.maxScanBytes);
  let matched = 0;
  const dedupe = new ChangeDedupe();
  let batch: Positioned[] = [];
  const flush = async () => {
    const pending = batch;
    batch = [];
    let checked;
    try {
      checked = await checkPending(h.db, pending, h.observeRls);
    } catch (err) {
      throw new RecoveryFailure(RecoveryResults.unavailable, `The tenant database could not check the missed changes: ${(err as Error).message}`);
    }
    for (const p of pending) {
      const table = checked.tables.get(`${p.event.schema}.${p.event.table}`) ?? null;
      const change = withPk(p.event, table);
      for (const d of p.deliveries) {
        if (checked.hidden.get(p)?.has(d.sub.channel)) continue;
        out.frames.push(changeFrame(d, change, table, checked.columns, positionText('c', { partition: stream.partition, offset: p.offset })));
      }
    }
  };
  await stream.read(plan.start, plan.end, async (r) => {
    if (scan.count(r.bytes)) return 'stop';
    if (!r.own || !r.value) return;
    out.last = r.offset;
    const event = r.value;
    if (plan.sinceMs !== null && event.commit_timestamp < plan.sinceMs * 1000) return;
    if (!dedupe.accept(event)) return; // written twice by a restarted ingest-cdc
    const deliveries = match(event, [h.sub]);
    if (deliveries.length === 0) return;
    matched++;
    out.bytes += r.bytes;
    if (matched > bounds.events || out.bytes > bounds.bytes) return scan.tooLarge('More missed changes than the tenant allows a recovery');
    batch.push({ event, deliveries, offset: r.offset });
    if (batch.length >= RLS_BATCH) await flush();
  }, bounds);
  scan.rethrow();
  if (batch.length > 0) await flush();
  return out;
}
