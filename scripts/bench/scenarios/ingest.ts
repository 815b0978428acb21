// P4: ingest-cdc draining a backlog of single-row transactions into Kafka (acks=all) until the
// slot's confirmed LSN passes the last commit, against pg_recvlogical draining the same backlog
// from a pgoutput slot created at the same point. Both clocks start when the slot turns active.
// An (info) row gives each drain's CPU time per row, which other work on the machine does not skew
// the way it skews the wall-clock rate: ingest-cdc's from /proc between the slot turning active and
// the LSN confirmed, pg_recvlogical's from its exit status (bash `times`).
import pg from 'pg';
import type { Scenario } from '../suite/env.ts';
import { drainSlot } from '../baselines/pg-recvlogical.ts';
import { pinServer } from '../suite/machine.ts';
import { sleep } from '../support.ts';
import { cpuSeconds } from '../suite/process-stats.ts';
import { ingestCdcReplaced } from '../suite/ingest-latency.ts';

const BASELINE_SLOT = 'bench_recvlogical';

interface SlotState { active: boolean; confirmed: boolean }

async function slotState(db: pg.Client, slot: string, endLsn: string): Promise<SlotState> {
  const r = await db.query<SlotState>(
    `SELECT active, coalesce(confirmed_flush_lsn >= $2::pg_lsn, false) AS confirmed FROM pg_replication_slots WHERE slot_name = $1`, [slot, endLsn]);
  return r.rows[0] ?? { active: false, confirmed: false };
}

/**
 * Seconds from the slot turning active to `done` resolving (or the slot confirming `endLsn`);
 * `onActive`/`onDone` run at those two moments (the CPU readings of ingest-cdc).
 */
async function timeDrain<T>(db: pg.Client, slot: string, endLsn: string, start: () => Promise<T>, untilConfirmed: boolean, at: { onActive?(): boolean; onDone?(): void } = {}): Promise<{ seconds: number; result: T }> {
  let finished = false;
  const started = start().then((result) => ((finished = true), result));
  let t0 = 0;
  let activeTaken = false; // onActive may need a few more turns (ingest-cdc's pid comes when its start resolves)
  for (;;) {
    const state = await slotState(db, slot, endLsn);
    if (!t0 && state.active) t0 = performance.now();
    if (t0 && !activeTaken) activeTaken = at.onActive?.() ?? true;
    if (t0 && (untilConfirmed ? state.confirmed : finished)) break;
    await sleep(10);
  }
  const seconds = (performance.now() - t0) / 1000;
  at.onDone?.();
  return { seconds, result: await started };
}

export const p4: Scenario = {
  name: 'p4', ids: 'P4',
  async run(env) {
    const rows = env.short ? 5_000 : 100_000;
    const db = new pg.Client({ connectionString: env.tenant.dbUrl.toString() });
    await db.connect();
    try {
      await db.query('CREATE TABLE IF NOT EXISTS ingest_rows (id bigserial PRIMARY KEY, v text NOT NULL)');
      await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE ingest_rows');
      env.progress('ingest: waiting for ingest-cdc to stream the tenant slot');
      let ours = '';
      while (!ours) {
        const r = await db.query<{ slot_name: string }>(`SELECT slot_name FROM pg_replication_slots WHERE active AND database = current_database() AND slot_name LIKE 'supabase_realtime_replication_slot%'`);
        ours = r.rows[0]?.slot_name ?? '';
        if (!ours) await sleep(100);
      }
      await db.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [BASELINE_SLOT]);
      await env.stack.ingestCdc!.stop();
      env.progress(`ingest: committing a backlog of ${rows.toLocaleString('en')} single-row transactions`);
      await db.query('SET synchronous_commit = off'); // the backlog's commit speed is not what is measured
      await db.query(`DO $$ BEGIN FOR i IN 1..${rows} LOOP INSERT INTO ingest_rows (v) VALUES ('row ' || i); COMMIT; END LOOP; END $$`);
      const endLsn = (await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0]!.lsn;

      env.progress('ingest: pg_recvlogical drains the backlog');
      const { seconds: base, result: baseCpu } = await timeDrain(db, BASELINE_SLOT, endLsn, () => drainSlot(env.tenant.dbUrl.toString(), BASELINE_SLOT, 'supabase_realtime', endLsn), false);
      env.progress('ingest: ingest-cdc drains the backlog into Kafka');
      let pid = 0;
      const cpu = { active: NaN, done: NaN };
      const { seconds: mine } = await timeDrain(db, ours, endLsn, async () => {
        const worker = await env.stack.startIngestCdc();
        ingestCdcReplaced(worker);
        pinServer((pid = worker.child.pid!));
      }, true, {
        onActive: () => ((cpu.active = pid ? cpuSeconds(pid) : NaN), pid > 0),
        onDone: () => (cpu.done = cpuSeconds(pid)),
      });
      const rate = (s: number) => `${s.toFixed(2)} s (${Math.round(rows / s).toLocaleString('en')} rows/s)`;
      const perRow = (s: number) => `${((s * 1e6) / rows).toFixed(1)} µs/row`;
      const ratio = base / mine;
      const oursCpu = cpu.done - cpu.active;
      return [
        { id: 'P4', scenario: `ingest backlog of ${rows.toLocaleString('en')} single-row txns → Kafka acked → LSN confirmed`, baseline: rate(base), ours: rate(mine), ratio, goal: '≥ 0.6× rows/s', pass: ratio >= 0.6 },
        { id: 'P4', scenario: '(info) CPU per row of the draining process', baseline: perRow(baseCpu), ours: perRow(oursCpu), ratio: baseCpu / oursCpu, goal: '—', pass: null },
      ];
    } finally {
      await db.query(`SELECT pg_drop_replication_slot($1) FROM pg_replication_slots WHERE slot_name = $1`, [BASELINE_SLOT]).catch(() => {});
      await db.end();
    }
  },
};
