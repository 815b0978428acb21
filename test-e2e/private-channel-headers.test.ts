// Private-channel policies that read the caller's x- headers (docs/PROTOCOL.md §7), end to end: the upgrade
// request's x- headers are request.headers for the join's read check and the first send's write
// check; a REST broadcast's own x- headers for its write check. realtime-js 2.119.1 cannot set
// headers on a WebSocket (its `headers` option is deprecated and ignored), so the sockets here are
// raw `ws` clients; supabase-js shows the refusal a client without the header meets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { waitFor } from '@realtime/testing';
import { client, subscribed, token, useTenantStack } from './support/fixture.ts';
import { tenantDb } from './support/changes.ts';
import { rawClient, type RawClient } from './support/raw-socket.ts';

const t = useTenantStack({ gateways: 1 });
let db: pg.Client;
let key: string;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  const fromWebApp = `realtime.topic() = 'app-room' AND (current_setting('request.headers', true)::json ->> 'x-app-id') = 'web'`;
  await db.query(`CREATE POLICY "web app reads" ON realtime.messages FOR SELECT TO authenticated USING (${fromWebApp})`);
  await db.query(`CREATE POLICY "web app writes" ON realtime.messages FOR INSERT TO authenticated WITH CHECK (${fromWebApp} AND extension = 'broadcast')`);
  key = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: 'b0c1d2e3-0000-4000-8000-000000000001' });
}, 60_000);
afterAll(async () => {
  await db?.end();
});

type Frame = [string | null, string | null, string, string, any];

async function reply(c: RawClient, ref: string): Promise<any> {
  let found: Frame | undefined;
  await waitFor(() => {
    found = c.frames.find((f) => Array.isArray(f) && f[1] === ref && f[3] === 'phx_reply') as Frame | undefined;
    expect(found).toBeDefined();
  });
  return found![4];
}

const join = (c: RawClient) => c.send(['1', '1', 'realtime:app-room', 'phx_join', { config: { private: true, broadcast: { ack: true, self: true } }, access_token: key }]);

describe('request.headers in private-channel policies', () => {
  it('admits a socket with the x- header the policy asks for and lets it send', async () => {
    const web = await rawClient(t.port(0), t.tenant.externalId, key, Infinity, { 'X-App-Id': 'web' });
    join(web);
    expect(await reply(web, '1')).toEqual({ status: 'ok', response: { postgres_changes: [] } });
    web.send(['1', '2', 'realtime:app-room', 'broadcast', { type: 'broadcast', event: 'hi', payload: { n: 1 } }]);
    expect(await reply(web, '2')).toEqual({ status: 'ok', response: {} });
    await waitFor(() => expect(web.frames.some((f) => Array.isArray(f) && f[3] === 'broadcast' && f[4].event === 'hi')).toBe(true));
    web.ws.close();
  });

  it('refuses a socket without it, or with another value, and supabase-js without it', async () => {
    for (const headers of [{}, { 'x-app-id': 'cli' }] as Array<Record<string, string>>) {
      const other = await rawClient(t.port(0), t.tenant.externalId, key, Infinity, headers);
      join(other);
      expect(await reply(other, '1')).toEqual({ status: 'error', response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: app-room' } });
      other.ws.close();
    }
    const channel = client(t.port(0), t.tenant.externalId, key).channel('app-room', { config: { private: true } });
    await expect(subscribed(channel)).rejects.toThrow(/Unauthorized: You do not have permissions to read from this Channel topic: app-room/);
  });

  it("checks a REST broadcast's write against that request's x- headers", async () => {
    const reader = await rawClient(t.port(0), t.tenant.externalId, key, Infinity, { 'x-app-id': 'web' });
    join(reader);
    expect((await reply(reader, '1')).status).toBe('ok');
    const post = (headers: Record<string, string>) => fetch(`http://${t.tenant.externalId}.localhost:${t.port(0)}/api/broadcast/app-room/events/rest?private=true`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ok: true }),
    });
    expect((await post({})).status).toBe(403);
    expect((await post({ 'x-app-id': 'web' })).status).toBe(202);
    // A REST broadcast reaches a 2.0.0 socket as a binary user broadcast: event and payload as bytes.
    const isRest = (f: unknown) => f instanceof Uint8Array && Buffer.from(f).toString('latin1').includes('app-roomrest') && Buffer.from(f).toString('latin1').endsWith('{"ok":true}');
    const restFrames = () => reader.frames.filter(isRest);
    await waitFor(() => expect(restFrames()).toHaveLength(1));
    reader.ws.close();
  });
});
