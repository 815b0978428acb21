// Hostile scenario: clients stuff their WebSocket upgrade with x- headers, which private-channel
// policies read as request.headers (docs/PROTOCOL.md §7) on every check. What reaches the tenant's database is
// bounded (50 headers, 8 KB: the policy below refuses anything larger, so an unbounded capture
// fails the joins), a header pushed past the bound is simply absent (a clear Unauthorized
// refusal, the socket stays usable), a value that looks like JSON stays a string, and a request
// past Node's header limit is refused before any upgrade. Meanwhile /api/ping answers, a broadcast
// crosses the two gateways and the gateway's memory stays bounded.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import { closeClients, token, useTenantStack } from '../support/fixture.ts';
import { tenantDb } from '../support/changes.ts';
import { rawClient, type RawClient } from '../support/raw-socket.ts';
import { broadcastCrossesGateways, idleWorstPing, pingLoop, rssMb } from './support.ts';

// Room for every socket and join at once: the tenant's own limits are not what is tested here.
const t = useTenantStack({ gateways: 2, tenant: { max_concurrent_users: 1000, max_joins_per_second: 10_000 } });
let db: pg.Client;
let key: string;
const SOCKETS = 100;
const UNAUTHORIZED = { status: 'error', response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: app-room' } };

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  // Admits only the web app, and only if what it was handed stays within the gateway's bound
  // (8 KB of names and values plus the JSON punctuation of 50 entries).
  await db.query(`CREATE POLICY "web app, bounded headers" ON realtime.messages FOR SELECT TO authenticated USING (
    (current_setting('request.headers', true)::json ->> 'x-app-id') = 'web'
    AND (SELECT count(*) FROM json_object_keys(current_setting('request.headers', true)::json)) <= 50
    AND length(current_setting('request.headers', true)) <= 8192 + 50 * 6 + 2)`);
  key = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: 'c0c1d2e3-0000-4000-8000-000000000002' });
}, 60_000);
afterAll(async () => {
  await db?.end();
  await closeClients();
});

/** 200 headers of ~60 bytes: ~13 KB, under Node's 16 KB header limit but far over ours. */
const padding = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`x-pad-${String(i).padStart(3, '0')}`, 'p'.repeat(50)]));

async function joinReply(c: RawClient, topic: string, isPrivate: boolean, ref: string): Promise<unknown> {
  c.send([ref, ref, `realtime:${topic}`, 'phx_join', { config: { private: isPrivate }, access_token: key }]);
  let reply: unknown;
  await waitFor(() => {
    reply = (c.frames.find((f) => Array.isArray(f) && f[1] === ref && f[3] === 'phx_reply') as unknown[] | undefined)?.[4];
    expect(reply).toBeDefined();
  }, { timeout: 15_000 });
  return reply;
}

it('bounds stuffed x- headers, refuses clearly what the bound cut off, and keeps serving everyone', async () => {
  const port = t.port(0);
  const gateway = t.stack.gateways[0]!;
  const allowance = await idleWorstPing(port, t.tenant.externalId);
  const rssBefore = rssMb(gateway.child.pid!);
  const pings = pingLoop(port, t.tenant.externalId);
  const opened: RawClient[] = [];
  try {
    // Many stuffed sockets whose x-app-id comes first: all admitted, the policy saw only the bounded set.
    for (let i = 0; i < SOCKETS; i++) opened.push(await rawClient(port, t.tenant.externalId, key, 4, { 'x-app-id': 'web', ...padding }));
    const replies = await Promise.all(opened.map((c) => joinReply(c, 'app-room', true, '1')));
    expect(replies.every((r) => (r as { status: string }).status === 'ok')).toBe(true);

    // x-app-id pushed past the bound is absent: a clear refusal, and the socket still joins elsewhere.
    const late = await rawClient(port, t.tenant.externalId, key, Infinity, { ...padding, 'x-app-id': 'web' });
    opened.push(late);
    expect(await joinReply(late, 'app-room', true, '1')).toEqual(UNAUTHORIZED);
    expect(await joinReply(late, 'open-room', false, '2')).toMatchObject({ status: 'ok' });

    // A value shaped like JSON is a string to the policy, not extra keys.
    const forged = await rawClient(port, t.tenant.externalId, key, Infinity, { 'x-app-id': 'cli", "x-app-id": "web' });
    opened.push(forged);
    expect(await joinReply(forged, 'app-room', true, '1')).toEqual(UNAUTHORIZED);

    // Past Node's own header limit the upgrade never happens.
    const huge = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-huge-${i}`, 'h'.repeat(1000)]));
    await expect(rawClient(port, t.tenant.externalId, key, Infinity, huge)).rejects.toThrow(/upgrade 431/);

    const worst = Math.max(...(await pings.stop()));
    expect(worst).toBeLessThan(allowance + 1000);
    await broadcastCrossesGateways(t.stack, t.tenant.externalId, t.tenant.jwtSecret);
    expect(rssMb(gateway.child.pid!) - rssBefore).toBeLessThan(100);
  } finally {
    await pings.stop().catch(() => {});
    for (const c of opened) c.ws.close();
  }
});
