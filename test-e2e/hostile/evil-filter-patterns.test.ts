// Hostile: a client with the anon key subscribes to the same table as a normal app with filters
// built to hurt the gateway: a pattern that does not compile, patterns that backtrack
// exponentially on a naive engine, and more bindings than a channel takes. The attacker gets a
// clear error for what is refused; the normal subscriber keeps its changes, the
// gateway keeps answering within a second, and its memory does not grow with the attack.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import type { RealtimeChannel } from '@supabase/supabase-js';
import { waitFor } from '@realtime/testing';
import { client, useTenantStack } from '../support/fixture.ts';
import { asChange, changesReady, tenantDb } from '../support/changes.ts';
import { waitForSlotStreaming } from '../support/cdc.ts';

const t = useTenantStack({ gateways: 1, ingestCdc: true });
let db: pg.Client;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await db.query('CREATE TABLE items (id int PRIMARY KEY, v text)');
  await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE items');
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

const gateway = () => t.stack.gateways[0]!;
const app = () => client(gateway().port, t.tenant.externalId, t.key);
const items = (filter?: string) => ({ event: 'INSERT' as const, schema: 'public', table: 'items', ...(filter ? { filter } : {}) });

function rssBytes(): number {
  const status = readFileSync(`/proc/${gateway().child.pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)![1]) * 1024;
}

async function pingMs(): Promise<number> {
  const started = Date.now();
  const res = await fetch(`http://${t.tenant.externalId}.localhost:${gateway().port}/api/ping`, { signal: AbortSignal.timeout(1000) });
  expect(res.status).toBe(200);
  return Date.now() - started;
}

const refusal = (channel: RealtimeChannel) => changesReady(channel).then(() => 'subscribed', (err: Error) => err.message);

it('refuses bad patterns to the attacker only; the normal subscriber and the gateway are unaffected', async () => {
  const ids: number[] = [];
  const normal = app().channel('normal').on('postgres_changes', items('v=like.%!'), (p) => void ids.push(asChange(p).new.id));
  await changesReady(normal);
  const rssBefore = rssBytes();

  // Refused at subscribe time, each with its reason, the others untouched.
  const attacker = app();
  const on = (topic: string, filter: string) => attacker.channel(topic).on('postgres_changes', items(filter), () => {});
  expect(await refusal(on('bad-regex', 'v=match.('))).toMatch(/^Error parsing `filter` params: invalid match\. pattern "\(": .*missing closing \)/);
  expect(await refusal(on('backref', 'v=match.(a)\\1'))).toMatch(/back-references are not supported/);
  expect(await refusal(on('bad-like', 'v=like.x\\'))).toMatch(/LIKE pattern must not end with escape character/);
  expect(await refusal(on('long', `v=like.${'%a'.repeat(200)}`))).toMatch(/pattern is longer than 256 characters/);
  // Past 100 bindings the join reply echoes only the first 100: realtime-js reports the mismatch
  // itself and leaves (the server's system error says why, for clients that read it).
  let many = attacker.channel('many');
  for (let i = 0; i < 101; i++) many = many.on('postgres_changes', items(`id=eq.${i}`), () => {});
  const statuses: string[] = [];
  many.subscribe((status, err) => void statuses.push(err ? `${status}: ${err.message}` : status));
  await waitFor(() => expect(statuses).toContain('CHANNEL_ERROR: mismatch between server and client bindings for postgres changes'), { timeout: 15_000 });
  expect(statuses).not.toContain('SUBSCRIBED');

  // Valid but exponential on a backtracking engine: accepted, and answered in linear time.
  const evilIds: number[] = [];
  let evil = attacker.channel('evil');
  for (const filter of ['v=imatch.^(a+)+$', 'v=match.^(a|aa)+$', `v=like.${'%a'.repeat(40)}b`]) {
    evil = evil.on('postgres_changes', items(filter), (p) => void evilIds.push(asChange(p).new.id));
  }
  await changesReady(evil);

  await db.query(`INSERT INTO items (id, v) VALUES (1, repeat('a', 100000) || '!'), (2, 'AAAA'), (3, 'done!')`);
  const pings: number[] = [];
  do {
    pings.push(await pingMs());
    await new Promise((r) => setTimeout(r, 100));
  } while (!ids.includes(3) && pings.length <= 200);
  await waitFor(() => expect(ids).toEqual([1, 3]), { timeout: 20_000 });
  await waitFor(() => expect(evilIds).toEqual([2]), { timeout: 5_000 });
  expect(Math.max(...pings)).toBeLessThan(1000);
  expect(await pingMs()).toBeLessThan(1000);
  expect(rssBytes() - rssBefore).toBeLessThan(64 * 1024 * 1024);
}, 60_000);

it('answers a 1 MB join of 300k bindings with at most 100, without stalling anyone', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${gateway().port}/socket/websocket?apikey=${t.key}&vsn=1.0.0`, { headers: { host: `${t.tenant.externalId}.localhost` } });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const frames: unknown[][] = [];
  ws.on('message', (data) => void frames.push(JSON.parse(String(data)) as unknown[]));
  const bindings = Array.from({ length: 300_000 }, () => ({}));
  ws.send(JSON.stringify({ topic: 'realtime:flood', event: 'phx_join', ref: '1', join_ref: '1', payload: { config: { postgres_changes: bindings }, access_token: t.key } }));
  const pings: number[] = [];
  for (let i = 0; i < 10; i++) pings.push(await pingMs());
  await waitFor(() => expect(frames.map((f) => (f as { event?: string }).event)).toEqual(expect.arrayContaining(['phx_reply', 'system'])), { timeout: 15_000 });
  const reply = frames.find((f) => (f as { event?: string }).event === 'phx_reply') as unknown as { payload: { status: string; response: { postgres_changes: unknown[] } } };
  expect(reply.payload.status).toBe('ok');
  expect(reply.payload.response.postgres_changes).toHaveLength(100);
  const system = frames.find((f) => (f as { event?: string }).event === 'system') as unknown as { payload: { status: string; message: string } };
  expect(system.payload).toMatchObject({ status: 'error', message: expect.stringContaining('at most 100 postgres_changes bindings, got 300000') });
  expect(Math.max(...pings)).toBeLessThan(1000);
  ws.close();
}, 60_000);
