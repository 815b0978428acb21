// Hostile: a client with the anon key subscribes to the same table as a normal app with filters
// built to hurt the gateway: a pattern that does not compile, patterns that backtrack
// exponentially on a naive engine, and more bindings than a channel takes. The attacker gets the
// postgres_changes system error for what is refused; the normal subscriber keeps its changes, the
// gateway keeps answering within a second, and its memory does not grow with the attack.
import { readFileSync } from 'node:fs';
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
  let many = attacker.channel('many');
  for (let i = 0; i < 101; i++) many = many.on('postgres_changes', items(`id=eq.${i}`), () => {});
  expect(await refusal(many)).toMatch(/at most 100 postgres_changes bindings, got 101/);

  // Valid but exponential on a backtracking engine: accepted, and answered in linear time.
  const evilIds: number[] = [];
  let evil = attacker.channel('evil');
  for (const filter of ['v=imatch.^(a+)+$', 'v=match.^(a|aa)+$', `v=like.${'%a'.repeat(40)}b`]) {
    evil = evil.on('postgres_changes', items(filter), (p) => void evilIds.push(asChange(p).new.id));
  }
  await changesReady(evil);

  await db.query(`INSERT INTO items (id, v) VALUES (1, repeat('a', 100000) || '!'), (2, 'AAAA'), (3, 'done!')`);
  const pings: number[] = [];
  while (!ids.includes(3)) {
    pings.push(await pingMs());
    await new Promise((r) => setTimeout(r, 100));
    if (pings.length > 200) break;
  }
  await waitFor(() => expect(ids).toEqual([1, 3]), { timeout: 20_000 });
  await waitFor(() => expect(evilIds).toEqual([2]), { timeout: 5_000 });
  expect(Math.max(...pings)).toBeLessThan(1000);
  expect(await pingMs()).toBeLessThan(1000);
  expect(rssBytes() - rssBefore).toBeLessThan(64 * 1024 * 1024);
}, 60_000);
