// Hostile: the subscribe error names every parameter of the refused binding, `select` included
// (docs/PROTOCOL.md §3.5), so a client with the anon key can make the gateway echo what it sent. It sends
// joins whose one binding names an unpublished table with a `select` of 1600 long names (the most
// a binding takes), one after another on one socket. Each gets the reference's clear error, about
// the size of the frame that caused it (bounded by GATEWAY_MAX_FRAME_BYTES, never amplified); the
// normal subscriber keeps its changes, a broadcast still crosses gateways, /api/ping answers
// within a second of its idle time, and memory stays bounded.
import WebSocket from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import { client, useTenantStack } from '../support/fixture.ts';
import { asChange, changesReady, tenantDb } from '../support/changes.ts';
import { waitForSlotStreaming } from '../support/cdc.ts';
import { broadcastCrossesGateways, idleWorstPing, pingLoop, rawSocket, rssMb } from './support.ts';

const t = useTenantStack({ gateways: 2, ingestCdc: true, tenant: { max_joins_per_second: 1000 } });
let db: pg.Client;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await db.query('CREATE TABLE items (id int PRIMARY KEY, v text)');
  await db.query('CREATE TABLE secret_items (id int PRIMARY KEY)'); // exists, not published
  await db.query('ALTER PUBLICATION supabase_realtime ADD TABLE items');
  await waitForSlotStreaming(db);
}, 60_000);
afterAll(async () => {
  await db?.end();
});

const JOINS = 40;
const select = Array.from({ length: 1600 }, (_, i) => `c${i}_${'x'.repeat(120)}`);

it('answers each echoing join with the bounded reference error; everyone else is served', async () => {
  const gw = t.stack.gateways[0]!;
  const ids: number[] = [];
  const normal = client(gw.port, t.tenant.externalId, t.key).channel('normal')
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'items' }, (p) => void ids.push(asChange(p).new.id));
  await changesReady(normal);
  const idle = await idleWorstPing(gw.port, t.tenant.externalId);
  const rssBefore = rssMb(gw.child.pid!);

  const ws = await rawSocket(gw.port, t.tenant.externalId, `apikey=${t.key}&vsn=1.0.0`);
  if (!(ws instanceof WebSocket)) throw new Error(`refused: ${ws.status}`);
  const errors: string[] = [];
  let largestIn = 0;
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { event: string; payload: { status?: string; message?: string } };
    if (frame.event === 'system' && frame.payload.status === 'error') errors.push(frame.payload.message!);
  });
  const pings = pingLoop(gw.port, t.tenant.externalId);
  for (let i = 0; i < JOINS; i++) {
    const frame = JSON.stringify({ topic: `realtime:echo${i}`, event: 'phx_join', ref: String(i), join_ref: String(i),
      payload: { config: { postgres_changes: [{ event: '*', schema: 'public', table: 'secret_items', select }] }, access_token: t.key } });
    largestIn = Math.max(largestIn, frame.length);
    ws.send(frame);
    if (i === JOINS / 2) await db.query(`INSERT INTO items (id, v) VALUES (1, 'during the attack')`);
    // one at a time: a burst would only meet the socket's pending-bytes bound (dropped, not echoed)
    await waitFor(() => expect(errors).toHaveLength(i + 1), { timeout: 10_000 });
  }
  const worst = Math.max(...(await pings.stop()));

  // refused with the reference's text, naming select, and about as big as what the attacker sent
  const expected = `Unable to subscribe to changes with given parameters. Please check Realtime is enabled for the given connect parameters: [event: *, schema: public, table: secret_items, filters: [], select: [${select.map((c) => `"${c}"`).join(', ')}]]`;
  expect(new Set(errors)).toEqual(new Set([expected]));
  expect(expected.length).toBeLessThan(largestIn * 1.05); // a separator per name more: no amplification
  // everyone else served, resources bounded
  await waitFor(() => expect(ids).toEqual([1]), { timeout: 20_000 });
  expect(worst).toBeLessThan(idle + 1000);
  await broadcastCrossesGateways(t.stack, t.tenant.externalId, t.tenant.jwtSecret);
  expect(rssMb(gw.child.pid!) - rssBefore).toBeLessThan(128);
  ws.close();
}, 60_000);
