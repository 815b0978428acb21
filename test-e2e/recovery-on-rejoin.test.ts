// Recovery on rejoin (docs/PROTOCOL.md §11) with the real supabase-js client, Kafka and Postgres: a
// client that left a channel rejoins with the last position it saw and gets what it missed, then
// live delivery, with nothing lost and nothing twice at the seam although traffic goes on during
// the rejoin; an RLS-hidden row stays hidden; each stream answers one `system` message.
// (The 1000-row version with reconnects is recovery-*.test.ts by its own author.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { waitFor } from '@realtime/testing';
import { client, subscribed, token, useTenantStack } from './support/fixture.ts';
import { changesReady, tenantDb } from './support/changes.ts';
import { createNotes } from './support/recovery.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true });
let db: pg.Client;
const alice = randomUUID();
const bob = randomUUID();

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await createNotes(db, { rls: true, grant: false, vaults: false });
}, 60_000);
afterAll(async () => {
  await db?.end();
});

interface RecoveryMessage { extension: string; status: string; stream: string; result: string; recovered: number; position: string | null }

function recoveries(channel: RealtimeChannel): RecoveryMessage[] {
  const seen: RecoveryMessage[] = [];
  channel.on('system', {}, (m: RecoveryMessage) => void (m.extension === 'recovery' && seen.push(m)));
  return seen;
}

describe('recovery on rejoin', () => {
  it('recovers the broadcasts a public channel missed, by position, and joins live without a gap or a duplicate', async () => {
    const sender = client(t.port(), t.tenant.externalId, t.key).channel('recover-room');
    await subscribed(sender);
    let n = 0;
    const send = () => sender.send({ type: 'broadcast', event: 'msg', payload: { i: n++ } });

    const got: number[] = [];
    // What an app keeps: the recover object it passed, its position updated in every callback.
    const join = (recover: Record<string, unknown>) => {
      // `recover` is not in realtime-js's types; the client passes the object through all the same.
      const channel = client(t.port(), t.tenant.externalId, t.key).channel('recover-room', { config: { broadcast: { recover } } as never });
      channel.on('broadcast', { event: 'msg' }, (message) => {
        const m = message as unknown as { payload: { i: number }; meta?: { position?: string } };
        got.push(m.payload.i);
        recover.position = m.meta?.position;
      });
      return { channel, results: recoveries(channel) };
    };
    // A recovering channel that stays: it gets broadcasts from Kafka, so once it saw one, so will a recovery.
    const watched: number[] = [];
    const watcher = client(t.port(), t.tenant.externalId, t.key).channel('recover-room', { config: { broadcast: { recover: {} } } as never });
    watcher.on('broadcast', { event: 'msg' }, (m) => void watched.push((m.payload as { i: number }).i));
    await subscribed(watcher);
    const recover: Record<string, unknown> = {};
    const first = join(recover);
    await subscribed(first.channel);
    await waitFor(() => expect(first.results).toHaveLength(1));
    expect(first.results[0]).toMatchObject({ status: 'ok', result: 'complete', recovered: 0, position: null });
    for (let i = 0; i < 3; i++) await send();
    await waitFor(() => expect(got).toEqual([0, 1, 2]));
    expect(recover.position).toMatch(/^b\d+-\d+$/);

    await first.channel.unsubscribe(); // the client is gone for a while
    for (let i = 0; i < 5; i++) await send();
    await waitFor(() => expect(watched).toContain(n - 1));
    // traffic goes on while it rejoins
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        await send();
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const again = join({ position: recover.position });
    await subscribed(again.channel);
    await waitFor(() => expect(again.results).toHaveLength(1), { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 200));
    sending = false;
    await traffic;
    await waitFor(() => expect(got.at(-1)).toBe(n - 1), { timeout: 20_000 });
    expect(again.results[0]).toMatchObject({ status: 'ok', stream: 'broadcast', result: 'complete' });
    expect(again.results[0]!.recovered).toBeGreaterThanOrEqual(5);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i)); // every message once, in order
  });

  it('recovers the changes a user missed, without the row RLS hides from them, with the position as ref', async () => {
    const key = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: alice });
    const got: Array<{ id: number; ref: string | null }> = [];
    const join = (recover: Record<string, unknown>) => {
      const channel = client(t.port(), t.tenant.externalId, key).channel('recover-notes', { config: { postgres_changes_options: { recover } } as never });
      channel.on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes' }, ((p: { new: { id: number } }, ref: string | null) => {
        got.push({ id: Number(p.new.id), ref });
        recover.position = ref;
      }) as never);
      return { channel, results: recoveries(channel) };
    };
    // A plain subscriber that stays: once it saw a change, that change is in Kafka (before the seam).
    const watched: number[] = [];
    const watcher = client(t.port(), t.tenant.externalId, key).channel('recover-notes-watcher')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'notes' }, (p) => void watched.push(Number((p.new as { id: number }).id)));
    await changesReady(watcher);
    const recover: Record<string, unknown> = {};
    const first = join(recover);
    await changesReady(first.channel);
    await db.query(`INSERT INTO notes VALUES (1, $1, 'a1')`, [alice]);
    await waitFor(() => expect(got.map((g) => g.id)).toEqual([1]), { timeout: 20_000 });
    expect(got[0]!.ref).toMatch(/^c\d+-\d+$/);

    await first.channel.unsubscribe();
    await db.query(`INSERT INTO notes VALUES (2, $1, 'a2'), (3, $2, 'bob''s'), (4, $1, 'a4')`, [alice, bob]);
    await db.query(`INSERT INTO notes VALUES (5, $1, 'a5')`, [alice]);
    await waitFor(() => expect(watched).toContain(5), { timeout: 20_000 });
    let next = 6;
    let inserting = true;
    const traffic = (async () => {
      while (inserting) {
        await db.query(`INSERT INTO notes VALUES ($1, $2, 'live')`, [next++, alice]);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const again = join({ position: recover.position });
    await changesReady(again.channel);
    await waitFor(() => expect(again.results).toHaveLength(1), { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    inserting = false;
    await traffic;
    await waitFor(() => expect(got.at(-1)?.id).toBe(next - 1), { timeout: 20_000 });
    expect(again.results[0]).toMatchObject({ status: 'ok', stream: 'postgres_changes', result: 'complete' });
    expect(again.results[0]!.recovered).toBeGreaterThanOrEqual(3);
    const ids = got.map((g) => g.id);
    expect(ids).toEqual([1, 2, 4, ...Array.from({ length: next - 5 }, (_, i) => i + 5)]); // no 3 (bob's), no gap, no duplicate
    const offsets = got.map((g) => BigInt(g.ref!.split('-')[1]!));
    expect(offsets.every((o, i) => i === 0 || o > offsets[i - 1]!)).toBe(true);
  });
});
