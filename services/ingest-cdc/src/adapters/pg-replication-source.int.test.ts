// The replication source against a real Postgres: what confirm() reports becomes the slot's
// confirmed_flush_lsn, and a restart streams every transaction that was not confirmed.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { uniqueName, waitFor } from '@realtime/testing';
import { decodePgoutput } from '../core/pgoutput.ts';
import { createReplicationSource, dropSlot, ensureSlot } from './pg-replication-source.ts';

let url: string;
let a: pg.Client;
let b: pg.Client;

beforeAll(async () => {
  const infra = inject('infra');
  const admin = new pg.Client({ connectionString: infra.pgUrl });
  await admin.connect();
  const name = uniqueName('source');
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  url = infra.pgUrl.replace(/\/postgres$/, `/${name}`);
  [a, b] = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
  await Promise.all([a.connect(), b.connect()]);
  await a.query('CREATE TABLE items (id int PRIMARY KEY)');
  await a.query('CREATE PUBLICATION items_pub FOR TABLE items');
});
afterAll(async () => {
  await a?.end();
  await b?.end();
});

interface Committed { ids: number[]; commitLsn: bigint; endLsn: bigint; endText: string }

async function stream(slot: string) {
  const source = createReplicationSource({ connectionString: url, slot, publications: ['items_pub'] });
  const committed: Committed[] = [];
  let ids: number[] = [];
  await source.start(async (_walStart, bytes) => {
    const d = decodePgoutput(bytes);
    if (!d.ok) return;
    const m = d.message;
    if (m.tag === 'insert' && m.newTuple[0]?.kind === 'text') ids.push(Number(m.newTuple[0].value));
    if (m.tag === 'commit') {
      committed.push({ ids, commitLsn: m.commitLsn.num, endLsn: m.endLsn.num, endText: m.endLsn.text });
      ids = [];
    }
  }, () => {});
  return { source, committed };
}

it('confirms exactly the end LSN: a transaction committed right behind the confirmed one streams again after a restart', async () => {
  const slot = uniqueName('slot');
  const first = await stream(slot);
  // B inserts first, A inserts and commits, B commits: B's commit record usually starts exactly at A's
  // end LSN (other databases of the cluster share the WAL, so try a few pairs until one does).
  let pair: { a: Committed; b: Committed } | undefined;
  for (let i = 0; i < 20 && !pair; i++) {
    const [idA, idB] = [2 * i, 2 * i + 1];
    await b.query('BEGIN');
    await b.query('INSERT INTO items VALUES ($1)', [idB]);
    await a.query('INSERT INTO items VALUES ($1)', [idA]);
    await b.query('COMMIT');
    const [ca, cb] = await waitFor(() => {
      const found = [idA, idB].map((id) => first.committed.find((c) => c.ids.includes(id)));
      expect(found.every(Boolean)).toBe(true);
      return found as Committed[];
    }, { timeout: 10_000 });
    if (cb!.commitLsn === ca!.endLsn) pair = { a: ca!, b: cb! };
  }
  expect(pair, 'no pair committed back to back').toBeDefined();
  await first.source.confirm(pair!.a.endText);
  await first.source.stop();
  const { rows } = await a.query<{ lsn: string }>('SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1', [slot]);
  expect(rows[0]!.lsn).toBe(pair!.a.endText);

  const second = await stream(slot);
  await waitFor(() => expect(second.committed.length).toBeGreaterThan(0), { timeout: 10_000 });
  expect(second.committed[0]!.ids).toEqual(pair!.b.ids);
  await second.source.stop();
  await waitFor(() => a.query('SELECT pg_drop_replication_slot($1)', [slot]), { timeout: 10_000 }); // once the walsender is gone
});

it('gives up on a database that accepts the connection and never answers, so a hand-over is not held', async () => {
  const held: Socket[] = [];
  const blackhole = createServer((s) => void held.push(s));
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  try {
    const port = (blackhole.address() as AddressInfo).port;
    const source = createReplicationSource({ connectionString: `postgres://postgres@127.0.0.1:${port}/x`, slot: 'never', publications: ['p'], timeoutMs: 300 });
    await expect(source.start(async () => {}, () => {})).rejects.toThrow(/timeout/i);
    await source.stop().catch(() => {});
  } finally {
    for (const s of held) s.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
  }
});

it('drops the slot of a deleted tenant, and a slot that is already gone is no error', async () => {
  const slot = uniqueName('slot');
  const exists = async () => (await a.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slot])).rowCount;
  await ensureSlot(url, slot);
  expect(await exists()).toBe(1);
  await dropSlot(url, slot);
  expect(await exists()).toBe(0);
  await dropSlot(url, slot);
});
