// Private channels and broadcast from the database end to end with supabase-js (docs/PROTOCOL.md §4, §7):
// policies on realtime.messages written for Supabase decide who reads and who writes; public and
// private channels of one name stay apart; realtime.send reaches both kinds; REST respects the
// write policy; replay returns stored messages; a refreshed token that loses read closes the channel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { waitFor } from '@realtime/testing';
import { client, collect, subscribed, token, useTenantStack } from './support/fixture.ts';
import { tenantDb } from './support/changes.ts';
import { waitForSlotStreaming } from './support/cdc.ts';

const t = useTenantStack({ gateways: 2, ingestCdc: true });
let db: pg.Client;
const alice = randomUUID();
const bob = randomUUID();
let aliceKey: string;
let bobKey: string;
let writerKey: string;

beforeAll(async () => {
  db = await tenantDb(t.tenant.dbUrl);
  await db.query(`CREATE POLICY "read own room and lobby" ON realtime.messages FOR SELECT TO authenticated
    USING (realtime.topic() IN ('lobby', 'room-' || auth.uid()::text))`);
  await db.query(`CREATE POLICY "writers write the lobby" ON realtime.messages FOR INSERT TO authenticated
    WITH CHECK (realtime.topic() = 'lobby' AND extension = 'broadcast' AND (auth.jwt() ->> 'writer') = 'true')`);
  await waitForSlotStreaming(db);
  aliceKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: alice });
  bobKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: bob });
  writerKey = await token(t.tenant.jwtSecret, { role: 'authenticated', sub: randomUUID(), writer: true });
}, 60_000);
afterAll(async () => {
  await db?.end();
});

const privateChannel = (port: number, key: string, topic: string, config: Record<string, unknown> = {}) =>
  client(port, t.tenant.externalId, key).channel(topic, { config: { private: true, ...config } });

describe('private channels', () => {
  it('lets in only identities the read policy allows', async () => {
    await subscribed(privateChannel(t.port(0), aliceKey, `room-${alice}`));
    await expect(subscribed(privateChannel(t.port(0), bobKey, `room-${alice}`))).rejects.toThrow(/Unauthorized: You do not have permissions to read from this Channel topic/);
    await expect(subscribed(privateChannel(t.port(0), t.key, 'lobby'))).rejects.toThrow(/Unauthorized/); // anon: no policy
  });

  it('delivers sends of writers only, across gateways, and keeps the public channel of that name apart', async () => {
    const writer = privateChannel(t.port(0), writerKey, 'lobby', { broadcast: { ack: true } });
    const reader = privateChannel(t.port(1), aliceKey, 'lobby', { broadcast: { ack: true } });
    const publicLobby = client(t.port(1), t.tenant.externalId, t.key).channel('lobby');
    const [got, gotPublic] = [collect<any>(reader, 'msg'), collect<any>(publicLobby, 'msg')];
    await Promise.all([subscribed(writer), subscribed(reader), subscribed(publicLobby)]);

    expect(await writer.send({ type: 'broadcast', event: 'msg', payload: { from: 'writer' } })).toBe('ok');
    expect(await reader.send({ type: 'broadcast', event: 'msg', payload: { from: 'reader' } })).toBe('error');
    await waitFor(() => expect(got).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((m) => m.payload.from)).toEqual(['writer']);
    expect(gotPublic).toEqual([]);
  });

  it('carries realtime.send from the database to private and public channels, with meta.id', async () => {
    const reader = privateChannel(t.port(0), aliceKey, 'lobby');
    const publicNews = client(t.port(1), t.tenant.externalId, t.key).channel('news');
    const [got, gotPublic] = [collect<any>(reader, 'db'), collect<any>(publicNews, 'db')];
    await Promise.all([subscribed(reader), subscribed(publicNews)]);
    await db.query(`SELECT realtime.send('{"n": 1}', 'db', 'lobby', true)`);
    await db.query(`SELECT realtime.send('{"n": 2}', 'db', 'news', false)`);
    await waitFor(() => expect(got).toHaveLength(1), { timeout: 20_000 });
    await waitFor(() => expect(gotPublic).toHaveLength(1), { timeout: 20_000 });
    expect(got[0]).toMatchObject({ event: 'db', payload: { n: 1 } });
    expect(got[0].meta.id).toBe(got[0].payload.id); // realtime.send puts the row id in the payload and meta
    expect(gotPublic[0]).toMatchObject({ event: 'db', payload: { n: 2 } });
  });

  it('applies the write policy to REST broadcasts: 403 for the single form, skipped in a batch', async () => {
    const reader = privateChannel(t.port(0), aliceKey, 'lobby');
    const got = collect<any>(reader, 'rest');
    await subscribed(reader);
    const base = `http://${t.tenant.externalId}.localhost:${t.port(1)}`;
    const single = (key: string) => fetch(`${base}/api/broadcast/lobby/events/rest?private=true`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ via: 'single' }),
    });
    expect((await single(aliceKey)).status).toBe(403);
    expect((await single(writerKey)).status).toBe(202);
    const batch = await fetch(`${base}/api/broadcast`, {
      method: 'POST', headers: { authorization: `Bearer ${aliceKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ topic: 'lobby', event: 'rest', payload: { via: 'batch' }, private: true }] }),
    });
    expect(batch.status).toBe(202);
    await waitFor(() => expect(got).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((m) => m.payload.via)).toEqual(['single']);
  });

  it('replays stored messages of a private channel, marked as replayed', async () => {
    const since = Date.now() - 1000;
    await db.query(`SELECT realtime.send('{"stored": 1}', 'old', 'lobby', true)`);
    await db.query(`SELECT realtime.send('{"stored": 2}', 'old', 'lobby', true)`);
    const late = privateChannel(t.port(1), aliceKey, 'lobby', { broadcast: { replay: { since, limit: 25 } } });
    const got = collect<any>(late, 'old');
    await subscribed(late);
    await waitFor(() => expect(got.length).toBeGreaterThanOrEqual(2));
    expect(got.slice(0, 2).map((m) => [m.payload.stored, m.meta.replayed])).toEqual([[1, true], [2, true]]);
    await new Promise((r) => setTimeout(r, 1500)); // the live copies through ingest-cdc would have arrived by now
    expect(got.filter((m) => m.payload.stored === 1)).toHaveLength(1);
  });

  it('closes the channel when a refreshed token loses read', async () => {
    const c = client(t.port(0), t.tenant.externalId, aliceKey);
    const channel = c.channel(`room-${alice}`, { config: { private: true } });
    await subscribed(channel);
    const closed = new Promise<string>((resolve) => channel.on('system', {}, (m: { status: string; message: string }) => m.status === 'error' && resolve(m.message)));
    await c.realtime.setAuth(bobKey);
    expect(await closed).toBe(`You no longer have permission to read from this Channel topic: room-${alice}`);
  });
});
